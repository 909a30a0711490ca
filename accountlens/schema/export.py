"""Print or write the schema's SDL: ``python -m accountlens.schema.export [schema.graphql]``.

The repository commits the result as ``schema.graphql``; a test fails when it drifts, so every
change to the API shows up in review as a diff of that file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from accountlens.schema.root import schema


def sdl() -> str:
    return schema.as_str() + "\n"


def main(argv: list[str]) -> None:
    if argv:
        Path(argv[0]).write_text(sdl(), encoding="utf-8")
    else:
        sys.stdout.write(sdl())


if __name__ == "__main__":
    main(sys.argv[1:])
