"""``python -m bench.salesforce_export DIR [--rows N]``: write the export (see ``export``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.salesforce_export import export


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.salesforce_export", description=export.__doc__
    )
    parser.add_argument("directory", type=Path)
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    export.write(args.directory, args.rows)
    print(f"wrote a {args.rows}-row Salesforce export to {args.directory}")


if __name__ == "__main__":
    main()
