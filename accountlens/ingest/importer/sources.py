"""Where a record file's rows come from: a ``.jsonl`` file, or a CSV file read through a mapping.

The pipeline only sees a :class:`RowSource`: a label for messages (``accounts.jsonl``,
``Account.csv``) and a way to read validated rows, a batch at a time so that a large export
never sits in memory whole. Everything after reading (references, upserts, the report) is the
same for every source.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

from pydantic import BaseModel

from accountlens.ingest.importer.reading import Batches, ParsedFile, count_lines, read_rows

M = TypeVar("M", bound=BaseModel)


class RowSource(Protocol):
    @property
    def label(self) -> str:
        """The file name messages and the report use."""
        ...

    def size(self) -> int:
        """About how many lines there are (a progress bar's total)."""
        ...

    def batches(
        self, model: type[M], size: int, advance: Callable[[int], None] | None
    ) -> Batches[M]:
        """The rows validated against ``model``, at most ``size`` per batch (each with the
        rejections met since the previous one); ``advance(n)`` as lines are read."""
        ...


def read_all(
    source: RowSource, model: type[M], advance: Callable[[int], None] | None = None
) -> ParsedFile[M]:
    """Every row of ``source`` at once, for files that are small by nature (usage days)."""
    whole: ParsedFile[M] = ParsedFile()
    for batch in source.batches(model, 1 << 30, advance):
        whole.extend(batch)
    return whole


class JsonlSource:
    """A file of the documented JSON Lines format."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def label(self) -> str:
        return self.path.name

    def size(self) -> int:
        return count_lines(self.path)

    def batches(
        self, model: type[M], size: int, advance: Callable[[int], None] | None
    ) -> Batches[M]:
        return read_rows(self.path, model, advance, size)
