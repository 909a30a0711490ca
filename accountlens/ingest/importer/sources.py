"""Where a record file's rows come from: a ``.jsonl`` file, or a CSV file read through a mapping.

The pipeline only sees a :class:`RowSource`: a label for messages (``accounts.jsonl``,
``Account.csv``) and a way to read validated rows. Everything after reading (references,
upserts, the report) is the same for every source.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

from pydantic import BaseModel

from accountlens.ingest.importer.reading import ParsedFile, count_lines, read_rows

M = TypeVar("M", bound=BaseModel)


class RowSource(Protocol):
    @property
    def label(self) -> str:
        """The file name messages and the report use."""
        ...

    def size(self) -> int:
        """About how many lines there are (a progress bar's total)."""
        ...

    def read(self, model: type[M], advance: Callable[[int], None] | None) -> ParsedFile[M]:
        """Every row validated against ``model``; ``advance(n)`` as lines are read."""
        ...


class JsonlSource:
    """A file of the documented JSON Lines format."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def label(self) -> str:
        return self.path.name

    def size(self) -> int:
        return count_lines(self.path)

    def read(self, model: type[M], advance: Callable[[int], None] | None) -> ParsedFile[M]:
        return read_rows(self.path, model, advance)
