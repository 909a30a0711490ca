"""Reading a CSV file through a :class:`~.mapping.FileMapping` into validated rows.

Each record becomes the JSON object our format defines (cells converted by :mod:`.coerce`),
then is validated by the same model as a ``.jsonl`` line, so both sources accept and refuse
exactly the same things. Messages name the CSV's line (where the record starts; a quoted cell
may span lines) and column.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from accountlens.ingest.importer.canonical import fold
from accountlens.ingest.importer.coerce import CellError, CellOptions, convert, field_kinds
from accountlens.ingest.importer.mapping import CustomColumn, FieldMapping, FileMapping, Mapping
from accountlens.ingest.importer.reading import (
    Batches,
    ParsedFile,
    ParsedRow,
    RawRejected,
    count_lines,
    describe_errors,
)
from accountlens.ingest.importer.report import RejectedRow

M = TypeVar("M", bound=BaseModel)
_NOT_KEY = re.compile(r"[^a-z0-9_]+")


class CsvOptions:
    """File-wide reading options: the mapping's ``[source]``, overridden by the command line."""

    def __init__(
        self,
        *,
        encoding: str = "utf-8",
        delimiter: str | None = None,
        cells: CellOptions | None = None,
    ) -> None:
        self.encoding = encoding
        self.delimiter = delimiter
        self.cells = cells or CellOptions()


@dataclass(frozen=True)
class CsvOverrides:
    """Reading options given on the command line; None leaves the mapping's setting."""

    encoding: str | None = None
    delimiter: str | None = None
    date_format: str | None = None
    decimal_comma: bool | None = None


def options_of(mapping: Mapping, given: CsvOverrides | None = None) -> CsvOptions:
    """The reading options of a mapping's ``[source]`` table, overridden by ``given``."""
    source = mapping.source
    given = given or CsvOverrides()
    decimal_comma = source.decimal == "," if given.decimal_comma is None else given.decimal_comma
    cells = CellOptions(
        given.date_format or source.date_format, decimal_comma, source.list_separator
    )
    return CsvOptions(
        encoding=given.encoding or source.encoding,
        delimiter=given.delimiter or source.delimiter,
        cells=cells,
    )


class CsvSource:
    def __init__(
        self, path: Path, mapping: FileMapping, options: CsvOptions, label: str | None = None
    ) -> None:
        self.path = path
        self.mapping = mapping
        self.options = options
        self._label = label or path.name
        self._fields = mapping.fields()  # once, not per row
        #: Each picklist field's values seen in rows that were read, by folded spelling.
        self.picklist_values: dict[str, dict[str, str]] = {key: {} for key in mapping.picklists}

    @property
    def label(self) -> str:
        return self._label

    def size(self) -> int:
        return max(0, count_lines(self.path) - 1)

    def batches(
        self, model: type[M], size: int, advance: Callable[[int], None] | None
    ) -> Batches[M]:
        parsed = self.new_batch(model)
        problem = self.undecodable()
        if problem is not None:
            parsed.rejected.append(RejectedRow(self.label, 0, problem))
            yield parsed
            return
        yield from self.read_batches(model, parsed, size, advance)

    def read_batches(
        self,
        model: type[M],
        parsed: ParsedFile[M],
        size: int,
        advance: Callable[[int], None] | None,
    ) -> Batches[M]:
        """The rows of a file that decodes, in batches of ``size``, the first filling ``parsed``.

        The JSON-lines source reads its lines here instead; the check above is shared.
        """
        encoding = "utf-8-sig" if self.options.encoding.lower() in ("utf-8", "utf8") else None
        with self.path.open(encoding=encoding or self.options.encoding, newline="") as handle:
            first = handle.readline()
            handle.seek(0)
            delimiter = self.options.delimiter or sniff(first)
            reader = csv.reader(handle, delimiter=delimiter)
            header = self._spelt_as_mapped([cell.strip() for cell in next(reader, [])])
            missing = self._missing_columns(header)
            if missing:
                parsed.rejected.append(RejectedRow(self.label, 0, missing))
                yield parsed
                return
            last = 1
            try:
                for line, record in _records(reader):
                    if advance is not None:
                        advance(reader.line_num - last)
                    last = reader.line_num
                    self._one(model, header, line, record, parsed)
                    if len(parsed.rows) >= size:
                        yield parsed
                        parsed = self.new_batch(model)
            except csv.Error as exc:
                # A cell past csv.field_size_limit() (which bounds the memory a record takes),
                # or a quote never closed: where the next record starts is unknown, so the
                # file stops here (and, refused in part, prunes nothing).
                parsed.rejected.append(RejectedRow(self.label, last + 1, _unreadable(exc)))
        yield parsed

    def new_batch(self, model: type[M]) -> ParsedFile[M]:
        """An empty batch that knows how this file's fields are named and resolved."""
        return ParsedFile(lenient=self.lenient_fields(), column_of=self._column_of)

    def _one(
        self, model: type[M], header: list[str], line: int, record: list[str], parsed: ParsedFile[M]
    ) -> None:
        if not any(cell.strip() for cell in record):
            return  # a blank line
        if len(record) != len(header):
            message = (
                f"has {len(record)} values but the header has {len(header)} columns (a "
                "delimiter inside an unquoted value, or a missing quote?)"
            )
            parsed.rejected.append(RejectedRow(self.label, line, message))
            return
        cells = dict(zip(header, (cell.strip() for cell in record), strict=True))
        self.take(model, line, cells, parsed)

    def _spelt_as_mapped(self, header: list[str]) -> list[str]:
        """Header names as the mapping spells them where only case differs ("Create date" is
        "Create Date": HubSpot's labels are not cased alike across objects)."""
        wanted = {column.casefold(): column for column in self._mapped_columns}
        wanted.update({column.casefold(): column for column in self._custom_named})
        exact = set(wanted.values())
        return [name if name in exact else wanted.get(name.casefold(), name) for name in header]

    @property
    def _custom_named(self) -> set[str]:
        named = {r if isinstance(r, str) else r.column for r in self.mapping.custom.values()}
        return named | {rule.column for rule in self.mapping.skip}

    def lenient_fields(self) -> frozenset[str]:
        """Fields whose reference is left empty, not rejected, when its record is missing."""
        return frozenset(
            name for name, rule in self._fields.items() if rule.if_missing == "leave_empty"
        )

    def take(self, model: type[M], line: int, cells: dict[str, str], parsed: ParsedFile[M]) -> None:
        """Turn one record's cells (column → text) into a validated row, or a rejection."""
        if self._skipped(cells):
            parsed.skipped += 1
            return
        data, problems = self._convert(model, cells)
        self._one_spelling(data)
        if problems:
            parsed.rejected.append(RejectedRow(self.label, line, "; ".join(problems)))
            parsed.rejected_raw.append(RawRejected(line, data))
            return
        try:
            row = model.model_validate_json(json.dumps(data))
        except ValidationError as exc:
            message = describe_errors(model, exc.errors(), self._column_of)
            parsed.rejected.append(RejectedRow(self.label, line, message))
            parsed.rejected_raw.append(RawRejected(line, data))
            return
        parsed.rows.append(ParsedRow(line, row))

    def _one_spelling(self, data: dict[str, Any]) -> None:
        """Picklist values as first spelt in the file ("contract sent" is "Contract Sent")."""
        custom = data.get("custom") or data.get("values") or {}
        for key, seen in self.picklist_values.items():
            holder = data if key in data else custom
            value = holder.get(key)
            if isinstance(value, str) and value.strip():
                holder[key] = seen.setdefault(fold(value), value.strip())

    def _convert(self, model: type[M], cells: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
        kinds = field_kinds(model)
        data: dict[str, Any] = {}
        problems: list[str] = []
        for name, rule in self._fields.items():
            text = _cell_text(rule, cells, self.path.stem, self.options.cells.list_separator)
            if not text:
                continue  # empty and missing cells alike: the field is left out
            text = _mapped(rule, text)
            if rule.salesforce_id and len(text) == 18 and text.isalnum():
                text = text[:15]
            options = self.options.cells
            if rule.date_format:
                options = replace(options, date_format=rule.date_format)
            try:
                data[name] = convert(kinds.get(name, "text"), text, options)
            except CellError as exc:
                problems.append(f"{self._column_of(name)}: {exc}")
        custom: dict[str, str | list[str]] = {}
        for key, extra in self._custom_columns(cells).items():
            text = cells[extra.column]
            if text and extra.as_list:
                separator = extra.separator or self.options.cells.list_separator
                custom[key] = [part.strip() for part in text.split(separator) if part.strip()]
            elif text:
                custom[key] = text
        # Custom objects keep their fields in ``values``; every other record in ``custom``.
        into = "custom" if "custom" in kinds else "values" if "values" in kinds else None
        if custom and into is not None:
            data[into] = {**custom, **data.get(into, {})}
        return data, problems

    def _custom_columns(self, cells: dict[str, str]) -> dict[str, CustomColumn]:
        columns = {
            key: rule if isinstance(rule, CustomColumn) else CustomColumn(column=rule)
            for key, rule in self.mapping.custom.items()
        }
        columns = {key: rule for key, rule in columns.items() if rule.column in cells}
        suffix = self.mapping.custom_suffix
        if suffix:
            taken = {rule.column for rule in columns.values()} | self._mapped_columns
            for column in cells:
                if column.endswith(suffix) and column not in taken:
                    columns.setdefault(custom_key(column, suffix), CustomColumn(column=column))
        return columns

    @property
    def _mapped_columns(self) -> set[str]:
        """Columns a field already reads (a lookup ``Account__c`` is not a custom field too)."""
        return {column for rule in self._fields.values() for column in rule.columns}

    def _column_of(self, name: str) -> str:
        rule = self._fields.get(name)
        if rule is None or not rule.columns:
            return name
        return f"column {' + '.join(rule.columns)} ({name})"

    def _skipped(self, cells: dict[str, str]) -> bool:
        for rule in self.mapping.skip:
            value = cells.get(rule.column, "").strip().casefold()
            if value in {v.casefold() for v in rule.values}:
                return True
        return False

    def _missing_columns(self, header: list[str]) -> str | None:
        present = set(header)
        for name, rule in self._fields.items():
            if rule.first and present & set(rule.columns):
                continue  # one of the alternatives is enough
            for column in rule.columns:
                if column in present or rule.optional:
                    continue
                close = difflib.get_close_matches(column, header, n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}?" if close else f"columns: {', '.join(header)}"
                return f"file not imported: no column {column!r} (for {name}) in its header; {hint}"
        return None

    def undecodable(self) -> str | None:
        """Why the file cannot be read in its encoding, checked before any row is used."""
        try:
            decoder = codecs.getincrementaldecoder(self.options.encoding)()
        except LookupError:
            return f"file not imported: unknown encoding {self.options.encoding!r}"
        line = 1
        with self.path.open("rb") as handle:
            while block := handle.read(1 << 20):
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    at = line + block[: exc.start].count(b"\n")
                    return (
                        f"file not imported: it is not {self.options.encoding} (byte "
                        f"0x{block[exc.start]:02x} on line {at}); pass --encoding with the "
                        "file's encoding, e.g. --encoding latin-1 or --encoding cp1252"
                    )
                line += block.count(b"\n")
        return None


def _records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """Each record with the line it starts on (a quoted cell may hold line breaks)."""
    start = reader.line_num + 1
    for record in reader:
        yield start, record
        start = reader.line_num + 1


def _unreadable(exc: csv.Error) -> str:
    return (
        f"the CSV cannot be read from here on ({exc}: a cell longer than "
        f"{csv.field_size_limit()} characters, or a quote that is never closed); the rest of "
        "the file was not read"
    )


def sniff(header: str) -> str:
    """Comma or semicolon (spreadsheets in decimal-comma locales write semicolons)."""
    counts = {delimiter: header.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _cell_text(rule: FieldMapping, cells: dict[str, str], stem: str, separator: str) -> str:
    if rule.value is not None:
        return rule.value.replace("{file_stem}", stem)
    if rule.first:
        for column in rule.columns:
            for part in cells.get(column, "").split(separator):
                if part.strip():
                    return part.strip()
        return ""
    return " ".join(cells[column] for column in rule.columns if cells.get(column))


def _mapped(rule: FieldMapping, text: str) -> str:
    if not rule.values:
        return text
    wanted = text.strip().casefold()
    for source, ours in rule.values.items():
        if source.strip().casefold() == wanted:
            return ours
    return rule.values.get("*", text)


def custom_key(column: str, suffix: str = "") -> str:
    """A custom-field key from a column name: ``Churn_Risk__c`` → ``churn_risk``."""
    base = column[: -len(suffix)] if suffix and column.endswith(suffix) else column
    key = _NOT_KEY.sub("_", base.lower()).strip("_")
    return key if key[:1].isalpha() else f"f_{key}"
