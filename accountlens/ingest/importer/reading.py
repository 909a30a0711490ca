"""Reading a ``.jsonl`` file into validated rows, and turning pydantic errors into plain words.

Messages name the field, say what was wrong and what would be right (the valid choices of an
enum, the closest known field name for a typo). They never echo a password.
"""

from __future__ import annotations

import difflib
import json
import types
import typing
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from accountlens.ingest.importer.fields import PATTERN_HINTS
from accountlens.ingest.importer.report import RejectedRow
from accountlens.ingest.importer.wording import json_problem, plain_error

M = TypeVar("M", bound=BaseModel)

#: Fields whose values must never appear in a message.
SECRET_FIELDS = frozenset({"password"})
_MAX_ECHO = 60


#: Rows a source hands over at a time unless told otherwise (the setting import_batch_rows).
DEFAULT_BATCH = 2_000


@dataclass(frozen=True)
class ParsedRow(Generic[M]):
    line: int
    row: M
    #: The file the row came from when a source reads several (a folder of transcripts);
    #: None for the source's own file.
    file: str | None = None


@dataclass(frozen=True)
class RawRejected:
    """A line that failed validation, with what could still be read of its identity."""

    line: int
    raw: dict[str, Any]
    file: str | None = None


@dataclass
class ParsedFile(Generic[M]):
    rows: list[ParsedRow[M]] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    rejected_raw: list[RawRejected] = field(default_factory=list)
    #: Rows a mapping leaves out on purpose (deleted in the source, say).
    skipped: int = 0
    #: Fields whose references are left empty when their record is missing (mapping rule
    #: ``if_missing = "leave_empty"``), instead of rejecting the row.
    lenient: frozenset[str] = frozenset()
    #: How messages name a field: a CSV column ("column AccountId (account)"); None: as is.
    column_of: Callable[[str], str] | None = None

    def extend(self, other: ParsedFile[M]) -> None:
        """Add ``other``'s rows and rejections (reading a source whole, batch after batch)."""
        self.rows.extend(other.rows)
        self.rejected.extend(other.rejected)
        self.rejected_raw.extend(other.rejected_raw)
        self.skipped += other.skipped
        self.lenient, self.column_of = other.lenient, other.column_of


#: A source's rows, a batch at a time (a generator, so a reader stopped early closes its file).
Batches = Generator[ParsedFile[M], None, None]


def count_lines(path: Path) -> int:
    """Lines in ``path`` (a last line without a newline counts), for a progress bar's total."""
    lines = 0
    last = b"\n"
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


def read_rows(
    path: Path,
    model: type[M],
    advance: Callable[[int], None] | None = None,
    batch: int = DEFAULT_BATCH,
) -> Batches[M]:
    """Validate every non-blank line of ``path``, handing over at most ``batch`` rows at a
    time (with the rejections met meanwhile); ``advance(1)`` is called per line read."""
    parsed: ParsedFile[M] = ParsedFile()
    with path.open("rb") as handle:
        for number, raw_line in enumerate(handle, start=1):
            if advance is not None:
                advance(1)
            try:
                line = raw_line.decode("utf-8")
            except UnicodeDecodeError:
                parsed.rejected.append(RejectedRow(path.name, number, "line is not valid UTF-8"))
                continue
            if not line.strip():
                continue
            # Without its line break, a line cut off inside a text value reads as cut off, not
            # as "a control character" on a line 2 that is not in the file.
            line = line.rstrip("\r\n")
            try:
                row = model.model_validate_json(line)
            except ValidationError as exc:
                message = describe_errors(model, exc.errors())
                parsed.rejected.append(RejectedRow(path.name, number, message))
                parsed.rejected_raw.append(RawRejected(number, _loose_object(line)))
                continue
            parsed.rows.append(ParsedRow(number, row))
            if len(parsed.rows) >= batch:
                yield parsed
                parsed = ParsedFile()
    yield parsed


def _loose_object(line: str) -> dict[str, Any]:
    """The line as a JSON object if it is one, so a rejected row's identity is still known."""
    try:
        value = json.loads(line)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def describe_errors(
    model: type[BaseModel],
    errors: Sequence[ErrorDetails],
    where: Callable[[str], str] | None = None,
) -> str:
    """All of a row's validation errors as one readable sentence list.

    ``where`` names a field as the reader knows it (a CSV column: ``AnnualRevenue (arr_amount)``).
    """
    messages: list[str] = []
    for error in errors:
        message = describe_error(model, error, where)
        if message not in messages:
            messages.append(message)
    return "; ".join(messages)


def describe_error(
    model: type[BaseModel], error: ErrorDetails, where: Callable[[str], str] | None = None
) -> str:
    loc = error["loc"]
    path = format_path(loc)
    if where is not None and loc and isinstance(loc[0], str):
        rest = format_path(loc[1:])
        path = where(loc[0]) + ("." + rest if rest[:1].isalpha() else rest)
    kind = error["type"]
    ctx = error.get("ctx") or {}
    secret = any(part in SECRET_FIELDS for part in loc)
    if kind == "json_invalid":
        return json_problem(str(ctx.get("error", error["msg"])))
    if kind == "model_type" and not loc:
        return f"expected a JSON object, got {_json_kind(error['input'])}"
    if kind == "extra_forbidden":
        name = str(loc[-1])
        return f"unknown field '{path}'{_suggest(name, fields_at(model, loc[:-1]))}"
    if kind == "missing":
        return f"missing required field '{path}'"
    if kind == "literal_error":
        shown = "" if secret else f" {_echo(error['input'])}"
        return f"{path}: invalid value{shown}; valid choices are {ctx.get('expected')}"
    text = plain_error(error) or error["msg"].removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        text = f"expected {PATTERN_HINTS[pattern]}" if pattern in PATTERN_HINTS else text
    if not path:
        return text
    if secret or isinstance(error["input"], dict | list):
        return f"{path}: {text}"
    return f"{path}: {text} (got {_echo(error['input'])})"


def format_path(loc: Sequence[int | str]) -> str:
    """``('turns', 2, 'speaker')`` → ``turns[2].speaker``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _echo(value: object) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= _MAX_ECHO else text[: _MAX_ECHO - 1] + "…"


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    return "a number" if isinstance(value, int | float) else type(value).__name__


def _suggest(name: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; valid fields are {', '.join(allowed)}" if allowed else ""


def fields_at(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """Field names of the (possibly nested) model found by following ``loc`` from ``model``."""
    current: type[BaseModel] | None = model
    for part in loc:
        if current is None:
            return []
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part)
        current = _model_in(info.annotation) if info is not None else None
    return list(current.model_fields) if current is not None else []


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The pydantic model inside ``list[X]``, ``X | None``, ``Annotated[X, …]`` and the like."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is None and not isinstance(annotation, types.UnionType):
        return None
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None
