"""Reading a file of JSON objects, one per line, through a mapping (Zendesk's JSON export).

Each object is flattened into cells, so a mapping names its keys exactly as it names a CSV
file's columns: ``subject``, ``requester.email`` for a nested object, ``tags`` for a list
(its items joined by the source's ``list_separator``). From there on a record is read exactly
as a CSV record (:meth:`.CsvSource.take`): the same conversions, checks and messages.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pydantic import BaseModel

from accountlens.ingest.importer.csv_source import CsvSource
from accountlens.ingest.importer.reading import Batches, ParsedFile, count_lines
from accountlens.ingest.importer.report import RejectedRow
from accountlens.ingest.importer.wording import json_problem

M = TypeVar("M", bound=BaseModel)


class JsonLinesSource(CsvSource):
    """A ``format = "jsonl"`` file of a mapping."""

    def size(self) -> int:
        return count_lines(self.path)

    def read_batches(
        self,
        model: type[M],
        parsed: ParsedFile[M],
        size: int,
        advance: Callable[[int], None] | None,
    ) -> Batches[M]:
        separator = self.options.cells.list_separator
        with self.path.open(encoding=self.options.encoding, newline="") as handle:
            for line, text in enumerate(handle, start=1):
                if advance is not None:
                    advance(1)
                if not text.strip():
                    continue
                try:
                    # Without its line break, a line cut off inside a string reads as cut off.
                    value = json.loads(text.rstrip("\r\n"))
                except ValueError as exc:
                    parsed.rejected.append(RejectedRow(self.label, line, json_problem(str(exc))))
                    continue
                if not isinstance(value, dict):
                    message = "expected a JSON object on the line"
                    parsed.rejected.append(RejectedRow(self.label, line, message))
                    continue
                self.take(model, line, dict(flatten(value, separator)), parsed)
                if len(parsed.rows) >= size:
                    yield parsed
                    parsed = self.new_batch(model)
        yield parsed

    def _column_of(self, name: str) -> str:
        rule = self._fields.get(name)
        if rule is None or not rule.columns:
            return name
        return f"key {' + '.join(rule.columns)} ({name})"


def flatten(value: dict[str, Any], separator: str, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every scalar of a JSON object as ``(dotted.key, text)``; lists of scalars joined."""
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            yield from flatten(item, separator, f"{name}.")
        elif isinstance(item, list):
            scalars = [_text(part) for part in item if not isinstance(part, dict | list)]
            yield name, separator.join(part for part in scalars if part)
        else:
            yield name, _text(item)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()
