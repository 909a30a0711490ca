"""Sorting and keyset pagination: multi-key ``ORDER BY`` and opaque cursors.

A cursor carries the sort-key values of the last row returned plus the row's id, and a short
signature of the sort it belongs to; the next page starts strictly after that tuple. NULLs sort
last in either direction, which the keyset predicate spells out explicitly.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, false, literal, or_

from accountlens.resolvers.errors import BadInputError, unknown_choice
from accountlens.resolvers.fields import Scope, custom_target, normalize
from accountlens.resolvers.fields import resolve as resolve_field
from accountlens.resolvers.registry import ObjectSpec
from accountlens.resolvers.values import is_storable_text

MAX_SORT_KEYS = 5
MAX_PAGE = 100
DEFAULT_PAGE = 25


@dataclass(frozen=True, slots=True)
class Sort:
    field: str
    descending: bool = False


@dataclass(frozen=True, slots=True)
class SortKey:
    key: str
    expr: ColumnElement[Any]
    descending: bool


def check_page_size(first: int | None, maximum: int = MAX_PAGE) -> int:
    """``first`` defaulted and bounded: 0..maximum, or ``BadInputError``."""
    if first is None:
        return min(DEFAULT_PAGE, maximum)
    if first < 0 or first > maximum:
        raise BadInputError(
            f"first must be between 0 and {maximum}", field="first", maximum=maximum
        )
    return first


def compile_sort(
    spec: ObjectSpec, object_type: str, sorts: Sequence[Sort], scope: Scope
) -> list[SortKey]:
    """The requested keys (or the type's default), always ending with the id as tie-breaker."""
    if len(sorts) > MAX_SORT_KEYS:
        raise BadInputError(f"at most {MAX_SORT_KEYS} sort keys", field="sort")
    hidden = scope.hidden_for(object_type)
    # A default key hidden from the caller is left out (its values would be in the cursors).
    wanted = list(sorts) or [Sort(f, d) for f, d in spec.default_sort if f not in hidden]
    keys: list[SortKey] = []
    for sort in wanted:
        name = normalize(sort.field)
        head, dot, rest = name.partition(".")
        if dot and head == "custom":
            custom = scope.custom_for(object_type)
            if rest not in custom:
                raise unknown_choice(f"{spec.key} custom field", rest, custom)
            target = custom_target(spec, rest, custom[rest])
        else:
            target = resolve_field(spec, object_type, name, scope)
        standard = spec.fields.get(target.key)
        if standard is not None and not standard.sortable:
            sortable = [k for k, f in spec.fields.items() if f.sortable and k not in hidden]
            raise unknown_choice(f"sortable {spec.key} field", sort.field, sortable)
        keys.append(SortKey(target.key, target.expr, sort.descending))
    keys.append(SortKey("id", spec.id_column.expression, False))
    return keys


def order_by(keys: Sequence[SortKey]) -> list[Any]:
    return [k.expr.desc().nulls_last() if k.descending else k.expr.asc().nulls_last() for k in keys]


def signature(keys: Sequence[SortKey]) -> str:
    return _digest("|".join(f"{k.key}:{int(k.descending)}" for k in keys))


@functools.lru_cache(maxsize=1024)
def _digest(spelled: str) -> str:
    # Every cursor of a page carries its sort's signature: hashed once per sort, not per row.
    return hashlib.sha256(spelled.encode()).hexdigest()[:10]


def after_predicate(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the order of ``keys`` (NULLs last)."""
    alternatives = []
    for i, key in enumerate(keys):
        equal_before = [_equal(k.expr, v) for k, v in zip(keys[:i], values[:i], strict=True)]
        alternatives.append(and_(*equal_before, _beyond(key, values[i])))
    return or_(*alternatives)


def _equal(expr: ColumnElement[Any], value: Any) -> ColumnElement[bool]:
    return expr.is_(None) if value is None else expr == value


def _beyond(key: SortKey, value: Any) -> ColumnElement[bool]:
    if value is None:
        return false()  # nothing sorts after NULL on this key
    # A bound parameter, not the bare value: SQLAlchemy refuses ``<``/``>`` against a Python
    # ``True``/``False`` (so page 2 of a list sorted by a boolean field failed).
    bound = literal(value, key.expr.type)
    strictly = key.expr < bound if key.descending else key.expr > bound
    return or_(strictly, key.expr.is_(None))


def _tag(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value  # most sort values (names, counts), by exact type before four isinstance
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if isinstance(value, uuid.UUID):
        return {"u": value.hex}
    return value


def _untag(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    ((tag, raw),) = value.items()
    if tag == "t":
        return datetime.fromisoformat(raw)
    if tag == "d":
        return date.fromisoformat(raw)
    if tag == "n":
        return Decimal(raw)
    if tag == "u":
        return uuid.UUID(raw)
    raise ValueError(tag)


def _fits(expr: ColumnElement[Any], value: Any) -> bool:
    """Whether a cursor value can be compared with its sort key's column.

    The signature only says which sort a cursor belongs to; a hand-made cursor with the right
    signature can carry any JSON, which the database would refuse (``text > integer``, a NUL
    character, an ``int4`` out of range) instead of the caller hearing the cursor is invalid.
    """
    if value is None:
        return True
    try:
        expected = expr.type.python_type
    except NotImplementedError:
        return False
    if expected is datetime:
        return isinstance(value, datetime) and value.tzinfo is not None and _has_utc(value)
    if expected is date:
        return isinstance(value, date) and not isinstance(value, datetime)
    if expected is int:
        limit = 2**63 if isinstance(expr.type, BigInteger) else 2**31
        return type(value) is int and -limit <= value < limit
    if expected is Decimal:
        return isinstance(value, Decimal) and value.is_finite()
    if expected is str:
        return isinstance(value, str) and is_storable_text(value)
    if expected is bool:
        return isinstance(value, bool)
    return isinstance(value, expected)


def _has_utc(value: datetime) -> bool:
    try:
        value.astimezone(UTC)
    except OverflowError:
        return False
    return True


def encode_cursor(keys: Sequence[SortKey], values: Sequence[Any]) -> str:
    return cursor_encoder(keys)(values)


def cursor_encoder(keys: Sequence[SortKey]) -> Callable[[Sequence[Any]], str]:
    """``encode_cursor`` for one sort, its signature spelled once for a page of rows.

    The text is what ``json.dumps({"s": signature, "v": tagged values})`` writes, byte for
    byte (a dict's keys are written in order, with the same separators).
    """
    head = '{"s":' + json.dumps(signature(keys)) + ',"v":'

    def encode(values: Sequence[Any]) -> str:
        tagged = json.dumps([_tag(v) for v in values], separators=(",", ":"))
        raw = (head + tagged + "}").encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return encode


def decode_cursor(keys: Sequence[SortKey], cursor: str) -> list[Any]:
    """The sort values a cursor carries; ``BadInputError`` if it is foreign or malformed."""
    try:
        if len(cursor) > 4000:
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        values = [_untag(v) for v in payload["v"]]
        valid = (
            payload["s"] == signature(keys)
            and len(values) == len(keys)
            and all(_fits(k.expr, v) for k, v in zip(keys, values, strict=True))
        )
    except (ValueError, KeyError, TypeError, binascii.Error, AttributeError, ArithmeticError):
        valid = False
    if not valid:
        raise BadInputError(
            "invalid cursor: pass endCursor from the previous page of the same query",
            field="after",
        )
    return values
