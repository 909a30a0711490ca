"""Validation problems in plain words: what was wrong and what would be right, never pydantic's
phrasing ("Input should be a valid integer") or a parser's internals ("EOF while parsing").

The people reading these messages fix a file in a text editor or a spreadsheet; they know
"a whole number" and "column 29", not "int_type" or "jiter".
"""

from __future__ import annotations

import re
from typing import Any

from pydantic_core import ErrorDetails

_JSON_POSITION = re.compile(r"^(?P<what>.*?) at line \d+ column (?P<column>\d+)$")

#: The parser's words for a JSON mistake → ours.
_JSON_MISTAKES = (
    ("trailing comma", "a comma before a closing bracket"),
    ("expected ident", "a word that is not JSON (text needs double quotes; true, false and null "
     "are lowercase)"),
    ("key must be a string", "a field name without double quotes"),
    ("expected `,` or `}`", "a missing comma between two fields"),
    ("expected `,` or `]`", "a missing comma between two list items"),
    ("expected `:`", "a missing colon after a field name"),
    ("control character", "a raw tab or line break inside a text value (write it as \\t or \\n)"),
    ("invalid escape", "a backslash that starts no valid escape (write a backslash as \\\\)"),
    ("invalid number", "a malformed number"),
    ("expected value", "a missing value"),
    ("trailing characters", "more text after the end of the JSON object"),
)  # fmt: skip


def json_problem(detail: str) -> str:
    """A JSON syntax error of one line, in words, with the column where it is."""
    match = _JSON_POSITION.match(detail.strip())
    what, column = (match["what"], match["column"]) if match else (detail, None)
    if what.startswith("EOF while parsing"):
        return (
            "invalid JSON: the line ends before its object is complete; it is cut off, or a line "
            "break inside a text value split the record over two lines (each record must be on "
            "one line)"
        )
    words = next((ours for theirs, ours in _JSON_MISTAKES if theirs in what), what)
    where = f" at column {column}" if column else ""
    return f"invalid JSON{where}: {words}"


def plain_error(error: ErrorDetails) -> str | None:
    """What a value-level validation error means, in words (None: no better words known)."""
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    fixed = _FIXED.get(kind)
    if fixed is not None:
        return fixed
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}"
    if kind == "greater_than":
        return f"must be more than {ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}"
    if kind == "less_than":
        return f"must be less than {ctx.get('lt')}"
    if kind == "string_too_short":
        least = int(ctx.get("min_length", 1))
        return "must not be empty" if least == 1 else f"needs at least {least} characters"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} items"
    if kind == "too_long":
        return f"has too many items (at most {ctx.get('max_length')})"
    if kind == "decimal_max_places":
        return f"has too many decimals (at most {ctx.get('decimal_places')})"
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return "is too large a number"
    return None


_DATE = "expected a date such as 2026-03-31"
_TIMESTAMP = "expected a timestamp such as 2025-05-01T09:30:00Z"
_FIXED = {
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number, not a fraction",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "decimal_type": 'expected a number (or a decimal string such as "1250.50")',
    "decimal_parsing": 'expected a number (or a decimal string such as "1250.50")',
    "finite_number": "expected a finite number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": "expected text (a JSON string in double quotes)",
    "list_type": "expected a list (a JSON array in [ ])",
    "dict_type": "expected an object (a JSON object in { })",
    "model_type": "expected an object (a JSON object in { })",
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": "expected a date without a time of day, such as 2026-03-31",
    "datetime_type": _TIMESTAMP,
    "datetime_parsing": _TIMESTAMP,
    "datetime_from_date_parsing": _TIMESTAMP,
    "none_required": "must be left out here",
}
