"""Turning CSV cells (always text) into the JSON values the row formats expect.

The kind of each field (whole number, decimal, boolean, date, timestamp, list, text) is read
from the row model's JSON schema, so a mapping never restates types. A value that cannot be
converted raises :class:`CellError` with words meant for whoever fixes the spreadsheet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel

Kind = Literal["integer", "number", "boolean", "date", "timestamp", "list", "text", "other"]

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_SLASHED = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")


class CellError(ValueError):
    """A cell whose text cannot become its field's value."""


@dataclass(frozen=True)
class CellOptions:
    """How the file writes numbers and dates (from the mapping or the command line)."""

    date_format: str | None = None
    decimal_comma: bool = False
    list_separator: str = ";"


@cache
def field_kinds(model: type[BaseModel]) -> dict[str, Kind]:
    """Each field of ``model`` with the kind of value it takes."""
    properties = model.model_json_schema()["properties"]
    return {name: _kind_of(schema) for name, schema in properties.items()}


def _kind_of(schema: dict[str, Any]) -> Kind:
    options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    types = {s.get("type") for s in options}
    if {"number", "string"} <= types:
        return "number"  # a decimal: a number or a decimal string
    first = options[0] if options else {}
    kind = first.get("type")
    if kind == "integer":
        return "integer"
    if kind == "number":
        return "number"
    if kind == "boolean":
        return "boolean"
    if kind == "array":
        return "list"
    if kind == "string":
        form = first.get("format")
        return "date" if form == "date" else "timestamp" if form == "date-time" else "text"
    return "other"


def convert(kind: Kind, text: str, options: CellOptions) -> Any:
    """The JSON value of a non-empty cell for a field of ``kind``."""
    if kind == "integer":
        try:
            number = _decimal(text, options)
        except CellError:
            if "," in text:
                raise  # its message explains decimal commas
            raise CellError(f"expected a whole number, got {text!r}") from None
        if number != number.to_integral_value():
            raise CellError(f"expected a whole number, got {text!r}")
        return int(number)
    if kind == "number":
        return str(_decimal(text, options))
    if kind == "boolean":
        lowered = text.lower()
        if lowered in _TRUE or lowered in _FALSE:
            return lowered in _TRUE
        raise CellError(f"expected true or false (or 1/0, yes/no), got {text!r}")
    if kind == "date":
        return _date(text, options)
    if kind == "timestamp":
        return _timestamp(text, options)
    if kind == "list":
        return [part.strip() for part in text.split(options.list_separator) if part.strip()]
    return text


def _decimal(text: str, options: CellOptions) -> Decimal:
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if options.decimal_comma:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif "," in cleaned and re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", cleaned):
        cleaned = cleaned.replace(",", "")  # thousands separators: 1,250,000.50
    elif "," in cleaned:
        raise CellError(
            f"expected a number, got {text!r} (if the comma is the decimal mark, pass "
            '--decimal-comma or set decimal = "," in the mapping)'
        )
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(f"expected a number, got {text!r}") from None
    if not value.is_finite():
        raise CellError(f"expected a number, got {text!r}")
    return value


def _date(text: str, options: CellOptions) -> str:
    if options.date_format:
        try:
            return datetime.strptime(text, options.date_format).date().isoformat()
        except ValueError:
            raise CellError(
                f"expected a date in the format {options.date_format}, got {text!r}"
            ) from None
    if _ISO_DATE.match(text):
        return text
    if _ISO_TIMESTAMP.match(text):
        return text[:10]  # a timestamp where a date is wanted: its day
    return _refuse_ambiguous(text, "date")


def _timestamp(text: str, options: CellOptions) -> str:
    if _ISO_TIMESTAMP.match(text):
        return text.replace(" ", "T", 1)
    if _ISO_DATE.match(text):
        return f"{text}T00:00:00Z"  # a day alone (Salesforce ActivityDate): its start, UTC
    if options.date_format:
        base = options.date_format
        for pattern in (base, f"{base} %H:%M", f"{base} %H:%M:%S"):
            try:
                return datetime.strptime(text, pattern).isoformat()
            except ValueError:
                continue
        raise CellError(f"expected a date in the format {options.date_format}, got {text!r}")
    return _refuse_ambiguous(text, "timestamp")


def _refuse_ambiguous(text: str, what: str) -> str:
    if _SLASHED.match(text):
        raise CellError(
            f"ambiguous {what} {text!r}: is it day/month or month/day? Pass --date-format "
            "(e.g. %d/%m/%Y or %m/%d/%Y) or write ISO dates (2026-03-31)"
        )
    example = "2026-03-31" if what == "date" else "2025-05-01T09:30:00Z"
    raise CellError(f"expected a {what} such as {example}, got {text!r}")
