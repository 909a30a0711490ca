"""Coercion of filter values (which arrive as loose JSON) to the type of the field they test."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from accountlens.resolvers.errors import BadInputError

MAX_STRING = 1000
MAX_LIST = 500
_SURROGATE = re.compile("[\ud800-\udfff]")
_NUMBER = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*([kmb])?$", re.IGNORECASE)
_MULTIPLIERS = {"k": Decimal(1000), "m": Decimal(1_000_000), "b": Decimal(1_000_000_000)}
_TRUE = ("true", "yes", "1", "y", "t")
_FALSE = ("false", "no", "0", "n", "f")


def _shown(value: object) -> str:
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        return "a number too large to show"
    return text if len(text) <= 60 else text[:57] + "..."


def is_storable_text(text: str) -> bool:
    """Whether PostgreSQL can hold ``text``: no NUL character, no unpaired UTF-16 surrogate.

    Text that fails this cannot equal, contain or resemble anything stored, and the driver
    refuses to send it, so it is refused as input before it reaches a query.
    """
    return "\x00" not in text and not _SURROGATE.search(text)


def as_string(field: str, value: object) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        raise BadInputError(f"{field} expects text, got {_shown(value)}", field=field)
    try:
        text = str(value)
    except ValueError:  # an int too long to print is no text anyone meant
        raise BadInputError(f"{field} expects text, got {_shown(value)}", field=field) from None
    if len(text) > MAX_STRING:
        raise BadInputError(f"{field}: value longer than {MAX_STRING} characters", field=field)
    return text


def as_number(field: str, value: object) -> Decimal:
    """Numbers, numeric strings, and shorthands such as ``50k`` or ``$1.2m``."""
    if isinstance(value, bool):
        raise BadInputError(f"{field} expects a number, got {_shown(value)}", field=field)
    if isinstance(value, int | float | Decimal):
        try:
            # Integers directly: ``str()`` refuses ints of more than 4,300 digits.
            number = Decimal(value) if isinstance(value, int) else Decimal(str(value))
        except (InvalidOperation, ValueError):
            number = Decimal("NaN")
        if not number.is_finite():  # JSON from Python may carry NaN and Infinity
            raise BadInputError(f"{field} expects a finite number", field=field)
        return number
    if isinstance(value, str) and len(value) <= 40:
        cleaned = value.strip().replace(",", "").replace("_", "").lstrip("$€£")
        match = _NUMBER.match(cleaned)
        if match:
            number = Decimal(match.group(1))
            return number * _MULTIPLIERS[match.group(2).lower()] if match.group(2) else number
    raise BadInputError(
        f"{field} expects a number (e.g. 50000 or 50k), got {_shown(value)}", field=field
    )


def as_integer(field: str, value: object) -> int | Decimal:
    number = as_number(field, value)
    return int(number) if number == number.to_integral_value() else number


def as_bool(field: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise BadInputError(f"{field} expects true or false, got {_shown(value)}", field=field)


def as_reference(field: str, value: object, target: str | None) -> uuid.UUID:
    """IDs arrive already decoded from their global form by the schema layer."""
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    kind = target or "record"
    article = "an" if kind[0] in "aeiou" else "a"
    raise BadInputError(
        f"{field} expects the ID of {article} {kind}, got {_shown(value)}", field=field
    )


def as_list(field: str, op: str, value: object) -> list[Any]:
    if not isinstance(value, list):
        value = [value]
    if not value:
        raise BadInputError(f"{field} {op} expects a non-empty list", field=field)
    if len(value) > MAX_LIST:
        raise BadInputError(f"{field} {op}: at most {MAX_LIST} values", field=field)
    return value


def as_pair(field: str, value: object) -> tuple[Any, Any]:
    if isinstance(value, list) and len(value) == 2:
        return value[0], value[1]
    if isinstance(value, dict) and set(value) == {"from", "to"}:
        return value["from"], value["to"]
    raise BadInputError(
        f"{field} between expects [low, high] (or {{from, to}}), got {_shown(value)}",
        field=field,
    )


def like_pattern(text: str) -> str:
    """Escape ``%``, ``_`` and ``\\`` so the text matches literally inside ILIKE."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
