"""Compiling ``{field, op, value}`` filters to SQL predicates (SPEC §5).

A field is a standard field of the type, a custom field (``custom.tier`` or just ``tier`` when
the org defines it), a field of the parent account (``account.segment``, ``account.name``), or
group membership (``group``, ``segment``, ``list``). Unknown fields, operators and values are
rejected with the valid choices or a close match.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from typing import cast as typing_cast

from sqlalchemy import ColumnElement, Integer, Numeric, and_, cast, func, literal, not_, or_, select

from accountlens.db.models import Account, Group, GroupMember
from accountlens.resolvers import values as val
from accountlens.resolvers.dates import Interval, parse_date_expression
from accountlens.resolvers.errors import BadInputError, unknown_choice
from accountlens.resolvers.fields import GROUP_FIELDS, Scope, Target, custom_target, normalize
from accountlens.resolvers.fields import resolve as resolve_field
from accountlens.resolvers.registry import ACCOUNT, ObjectSpec
from accountlens.resolvers.visibility import visible_accounts, visible_group_members, visible_groups

Predicate = ColumnElement[bool]

OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "contains", "starts_with",
       "is_null", "between")  # fmt: skip
MAX_FILTERS = 20
_INT4_MIN, _INT4_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True, slots=True)
class Filter:
    field: str
    op: str
    value: Any = None


def compile_filters(
    spec: ObjectSpec, object_type: str, filters: Sequence[Filter], scope: Scope
) -> list[Predicate]:
    if len(filters) > MAX_FILTERS:
        raise BadInputError(f"at most {MAX_FILTERS} filters")
    return [compile_filter(spec, object_type, f, scope) for f in filters]


def compile_filter(spec: ObjectSpec, object_type: str, f: Filter, scope: Scope) -> Predicate:
    op = f.op.strip().lower()
    if op not in OPS:
        raise unknown_choice("operator", f.op, OPS)
    name = normalize(f.field)
    if len(name) > 100:
        raise BadInputError("field name too long", field="field")
    head, dot, rest = name.partition(".")
    if dot and head == "custom":
        custom = scope.custom_for(object_type)
        if rest not in custom:
            raise unknown_choice(f"{spec.key} custom field", rest, custom)
        return compare(custom_target(spec, rest, custom[rest]), op, f.value, scope)
    if dot and head == "account" and spec.account_column is not None and spec is not ACCOUNT:
        inner = compile_filter(ACCOUNT, "account", Filter(rest, op, f.value), scope)
        accounts = select(Account.id).where(visible_accounts(scope.principal), inner)
        return _bool(spec.account_column.in_(accounts.scalar_subquery()))
    if dot:
        raise BadInputError(
            f"unknown field {f.field!r}: dotted fields are custom.<key>"
            + (" or account.<field>" if spec.account_column is not None else ""),
            field="field",
        )
    if name in GROUP_FIELDS and spec.group_member_column:
        return group_membership(spec, GROUP_FIELDS[name], op, f.value, scope)
    return compare(resolve_field(spec, object_type, name, scope), op, f.value, scope)


def group_membership(
    spec: ObjectSpec, kind: str | None, op: str, value: Any, scope: Scope
) -> Predicate:
    """Membership in groups named (case-insensitively) or identified by ``value``."""
    principal = scope.principal
    member = getattr(GroupMember, spec.group_member_column or "")
    groups = select(Group.id).where(visible_groups(principal))
    if kind:
        groups = groups.where(Group.kind == kind)
    if op == "is_null":
        negate = val.as_bool("group", True if value is None else value)
    elif op in ("eq", "in", "ne", "not_in"):
        names, ids = [], []
        for item in val.as_list("group", op, value):
            if isinstance(item, uuid.UUID):
                ids.append(item)
            else:
                names.append(val.as_string("group", item).lower())
        _check_group_names(spec, kind, names, scope)
        groups = groups.where(or_(func.lower(Group.name).in_(names), Group.id.in_(ids)))
        negate = op in ("ne", "not_in")
    else:
        raise BadInputError(
            f"group membership supports eq, in, ne, not_in and is_null, not {op}",
            field="group",
            choices=["eq", "in", "ne", "not_in", "is_null"],
        )
    # ``member IS NOT NULL`` changes no answer (a NULL is in no list) but spares the other
    # kind of membership the visibility rule: for a person membership a member's rule asks
    # whether they see the person, and PostgreSQL hashes every person they see to answer it
    # (208,000 on the large preset: an open-org member's "tickets of At Risk accounts" went
    # from 130 to 35 ms of statement time).
    members = select(member).where(
        GroupMember.group_id.in_(groups.scalar_subquery()),
        member.is_not(None),
        visible_group_members(principal),
    )
    inside = _bool(spec.id_column.in_(members.scalar_subquery()))
    return not_(inside) if negate else inside


def _check_group_names(spec: ObjectSpec, kind: str | None, names: list[str], scope: Scope) -> None:
    """Refuse a group name the org does not have (for this member type and kind)."""
    if scope.groups is None:
        return
    member_type = "account" if spec.key == "account" else "person"
    valid = [
        g["name"]
        for g in scope.groups
        if g["member_type"] == member_type and kind in (None, g["kind"])
    ]
    known = {name.lower() for name in valid}
    for name in names:
        if name not in known:
            raise unknown_choice(kind or "group", name, valid)


def compare(t: Target, op: str, value: Any, scope: Scope) -> Predicate:
    """``t <op> value`` with ``value`` coerced to the field's type."""
    if op == "is_null":
        want = True if value is None else val.as_bool(t.key, value)
        return t.expr.is_(None) if want else t.expr.is_not(None)
    if t.data_type in ("date", "datetime"):
        return _compare_time(t, op, value, scope)
    if op == "between":
        low, high = val.as_pair(t.key, value)
        return and_(_compare_one(t, "gte", low), _compare_one(t, "lte", high))
    if op in ("in", "not_in"):
        items = val.as_list(t.key, op, value)
        if t.data_type in ("string", "text", "enum"):
            texts = [_enum_value(t, val.as_string(t.key, i)).lower() for i in items]
            inside = or_(func.lower(t.expr).in_(texts), *_json_contains(t, items))
        else:
            expr, operands = _operands(t, [_coerce(t, i) for i in items])
            inside = expr.in_(operands)
        return or_(not_(inside), t.expr.is_(None)) if op == "not_in" else inside
    return _compare_one(t, op, value)


def _compare_one(t: Target, op: str, value: Any) -> Predicate:
    if op in ("contains", "starts_with"):
        if t.data_type not in ("string", "text", "enum"):
            raise BadInputError(f"{op} applies to text fields; {t.key} is {t.data_type}")
        text = val.like_pattern(val.as_string(t.key, value))
        pattern = f"%{text}%" if op == "contains" else f"{text}%"
        return t.expr.ilike(pattern, escape="\\")
    if t.data_type in ("string", "text", "enum"):
        text = _enum_value(t, val.as_string(t.key, value))
        if op == "eq":
            return or_(func.lower(t.expr) == text.lower(), *_json_contains(t, [text]))
        if op == "ne":
            return or_(func.lower(t.expr) != text.lower(), t.expr.is_(None))
        return _ordered(t.expr, op, text)
    if t.data_type == "reference" and op not in ("eq", "ne"):
        raise BadInputError(f"{t.key} is a reference: use eq, ne, in, not_in or is_null")
    if t.data_type == "boolean" and op not in ("eq", "ne"):
        raise BadInputError(f"{t.key} is true/false: use eq, ne or is_null")
    expr, (coerced,) = _operands(t, [_coerce(t, value)])
    if op == "eq":
        return _bool(expr == coerced)
    if op == "ne":
        return or_(expr != coerced, t.expr.is_(None))
    return _ordered(expr, op, coerced)


def _operands(t: Target, values: list[Any]) -> tuple[ColumnElement[Any], list[Any]]:
    """The expression and values to compare, numbers sent as plain ``numeric``.

    Typed after the column, a number is sent as ``numeric(16, 2)`` or ``int4``, and one
    beyond that type's range (``amount > 1e20``, ``employees > 1e10``) or a fraction
    (``employees < 2.5``) fails or is truncated in the driver. Money and number columns
    compare with plain ``numeric`` directly; an integer column is cast to ``numeric`` only
    when a value does not fit an ``int4``, so the usual comparison keeps its index.
    """
    if t.data_type not in ("integer", "number", "money"):
        return t.expr, values
    if isinstance(t.expr.type, Integer):
        if all(isinstance(v, int) and _INT4_MIN <= v <= _INT4_MAX for v in values):
            return t.expr, values
        return cast(t.expr, Numeric), [literal(Decimal(v), Numeric()) for v in values]
    return t.expr, [literal(Decimal(v), Numeric()) for v in values]


def _ordered(expr: ColumnElement[Any], op: str, value: Any) -> Predicate:
    if op == "lt":
        return _bool(expr < value)
    if op == "lte":
        return _bool(expr <= value)
    if op == "gt":
        return _bool(expr > value)
    if op == "gte":
        return _bool(expr >= value)
    raise BadInputError(f"operator {op} does not apply here", choices=list(OPS))


def _coerce(t: Target, value: Any) -> Any:
    if t.data_type == "integer":
        return val.as_integer(t.key, value)
    if t.data_type in ("number", "money"):
        return val.as_number(t.key, value)
    if t.data_type == "boolean":
        return val.as_bool(t.key, value)
    if t.data_type == "reference":
        return val.as_reference(t.key, value, t.target)
    return val.as_string(t.key, value)


def _enum_value(t: Target, text: str) -> str:
    if t.allowed and text.lower() not in {a.lower() for a in t.allowed}:
        raise unknown_choice(f"value for {t.key}", text, t.allowed)
    return text


def _json_contains(t: Target, items: list[Any]) -> list[Predicate]:
    """For custom fields holding a JSON list (multi-select), match any element too."""
    if t.custom_key is None or t.container is None:
        return []
    return [t.container.contains({t.custom_key: [item]}) for item in items]


def _compare_time(t: Target, op: str, value: Any, scope: Scope) -> Predicate:
    """Dates compare as intervals: ``eq this_quarter`` is "within", ``lt today`` "before"."""

    def bounds(raw: Any) -> tuple[Any, Any]:
        interval: Interval = parse_date_expression(raw, scope.tz, scope.now)
        if t.data_type == "date":
            return interval.start_date, interval.end_date
        return interval.start, interval.end

    e = t.expr
    if op == "between":
        low, high = val.as_pair(t.key, value)
        return and_(e >= bounds(low)[0], e < bounds(high)[1])
    if op in ("in", "not_in"):
        ranges = [bounds(item) for item in val.as_list(t.key, op, value)]
        inside = or_(*(and_(e >= s, e < end) for s, end in ranges))
        return or_(not_(inside), e.is_(None)) if op == "not_in" else inside
    if op in ("contains", "starts_with"):
        raise BadInputError(f"{op} applies to text fields; {t.key} is a {t.data_type}")
    start, end = bounds(value)
    compiled = {
        "eq": and_(e >= start, e < end),
        "ne": or_(e < start, e >= end, e.is_(None)),
        "lt": e < start,
        "lte": e < end,
        "gt": e >= end,
        "gte": e >= start,
    }
    return _bool(compiled[op])


def _bool(expression: object) -> Predicate:
    """SQLAlchemy types comparisons on ``ColumnElement[Any]`` as ``Any``; they are predicates."""
    return typing_cast(Predicate, expression)
