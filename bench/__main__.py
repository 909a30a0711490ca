"""``python -m bench``: the main harness, ``python -m bench.load`` (see docs/performance.md)."""

from bench.load.__main__ import main

if __name__ == "__main__":
    main()
