"""``python -m bench.inprocess fixedcost|probe|readpath|semantic …``: one tool of the package."""

from __future__ import annotations

import sys
from collections.abc import Callable

import bench.inprocess
from bench.inprocess import fixedcost, probe, readpath, semantic

TOOLS: dict[str, Callable[[list[str]], None]] = {
    "fixedcost": fixedcost.main,
    "probe": probe.main,
    "readpath": readpath.main,
    "semantic": semantic.main,
}


def main() -> None:
    if sys.argv[1:2] in (["-h"], ["--help"]):
        print(bench.inprocess.__doc__)
        return
    if len(sys.argv) < 2 or sys.argv[1] not in TOOLS:
        usage = f"usage: python -m bench.inprocess {{{'|'.join(TOOLS)}}} …"
        sys.exit(f"{usage}\n\n{bench.inprocess.__doc__}")
    TOOLS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
