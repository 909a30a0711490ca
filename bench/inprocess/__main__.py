"""``python -m bench.inprocess fixedcost|pgcpu|probe|readpath|semantic …``: one tool."""

from __future__ import annotations

import sys
from collections.abc import Callable

import bench.inprocess
from bench.inprocess import fixedcost, pgcpu, probe, readpath, semantic

TOOLS: dict[str, Callable[[list[str]], None]] = {
    "fixedcost": fixedcost.main,
    "pgcpu": pgcpu.main,
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
