"""``python -m bench.peers``: the peers step (see ``bench.peers``); ``serve`` starts one peer."""

from __future__ import annotations

import sys

import bench.peers
from bench.load.__main__ import main as harness
from bench.peers.server import main as serve


def main() -> None:
    # ``serve MODE PORT CONFIG`` is how the harness starts each peer in its own process.
    if sys.argv[1:2] == ["serve"]:
        serve(sys.argv[2:])
        return
    harness("python -m bench.peers", only="peers", doc=bench.peers.__doc__)


if __name__ == "__main__":
    main()
