"""Resolving a field name (standard, custom, or a parent account's) to a SQL expression."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, ColumnElement, Date, DateTime, Numeric, case, cast, func

from accountlens.auth.principal import Principal
from accountlens.resolvers.errors import unknown_choice
from accountlens.resolvers.reader import Row
from accountlens.resolvers.registry import ObjectSpec

#: Field names that test group membership; ``segment`` and ``list`` narrow to that group kind.
GROUP_FIELDS = {"group": None, "groups": None, "segment": "segment", "segments": "segment",
                "list": "list", "lists": "list"}  # fmt: skip

_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
_NUMERIC_TEXT = r"^\s*-?[0-9]+(\.[0-9]+)?\s*$"
_DATE_TEXT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"


@dataclass(frozen=True, slots=True)
class Scope:
    """What compiling filters needs beyond the type: who asks, their zone, the custom fields."""

    principal: Principal
    tz: ZoneInfo
    custom: Mapping[str, Mapping[str, Row]]  # object_type -> key -> property definition
    now: datetime | None = None
    groups: tuple[Row, ...] | None = None  # the org's groups, when a filter names some
    #: Fields hidden from the caller per object type (field-level security; empty for admins).
    #: ``custom`` already leaves hidden custom fields out.
    hidden: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def custom_for(self, object_type: str) -> Mapping[str, Row]:
        return self.custom.get(object_type, {})

    def hidden_for(self, object_type: str) -> frozenset[str]:
        return self.hidden.get(object_type, frozenset())


@dataclass(frozen=True, slots=True)
class Target:
    """A resolved field: its expression and how its values are typed."""

    key: str
    expr: ColumnElement[Any]
    data_type: str
    allowed: tuple[str, ...] | None = None
    target: str | None = None
    custom_key: str | None = None  # set for custom fields (JSON arrays are matched too)
    container: Any = None  # the ``custom`` JSONB column of a custom field


def normalize(name: str) -> str:
    """``closeDate``, ``Close Date`` and ``close_date`` all mean ``close_date``."""
    name = _CAMEL.sub(r"_\1", name.strip())
    return re.sub(r"[\s-]+", "_", name).lower()


def custom_target(spec: ObjectSpec, key: str, definition: Row | None) -> Target:
    """A custom field read from the ``custom`` JSON, cast by its declared type.

    Casts are guarded by a pattern match so one malformed stored value yields NULL instead of
    failing the whole query.
    """
    text = spec.model.custom[key].astext
    data_type = definition["data_type"] if definition else "string"
    allowed = definition["allowed_values"] if definition else None
    expr: ColumnElement[Any]
    if data_type in ("integer", "number", "money"):
        expr = case((text.op("~")(_NUMERIC_TEXT), cast(text, Numeric)))
    elif data_type == "date":
        expr = case((text.op("~")(_DATE_TEXT), cast(func.left(text, 10), Date)))
    elif data_type == "datetime":
        expr = case((text.op("~")(_DATE_TEXT), cast(text, DateTime(timezone=True))))
    elif data_type == "boolean":
        expr = case((func.lower(text).in_(("true", "false")), cast(func.lower(text), Boolean)))
    else:
        expr = text
    return Target(
        key=f"custom.{key}",
        expr=expr,
        data_type=data_type if data_type != "reference" else "string",
        allowed=tuple(str(a) for a in allowed) if isinstance(allowed, list) else None,
        custom_key=key,
        container=spec.model.custom,
    )


def standard_target(
    spec: ObjectSpec, name: str, hidden: frozenset[str] = frozenset()
) -> Target | None:
    """The standard field ``name`` (or an alias of it); ``None`` if unknown or hidden."""
    key = spec.aliases.get(name, name)
    if key not in spec.fields and key.endswith("_id"):
        key = key.removesuffix("_id")
    found = spec.fields.get(key)
    if found is None or key in hidden:
        return None
    return Target(key, found.column.expression, found.data_type, found.allowed_values, found.target)


def field_names(
    spec: ObjectSpec, custom: Mapping[str, Row], hidden: frozenset[str] = frozenset()
) -> list[str]:
    """Every name a filter on this type accepts, for error messages and discovery."""
    names = [*(k for k in spec.fields if k not in hidden), *custom]
    if spec.group_member_column:
        names += ["group", "segment", "list"]
    if spec.account_column is not None and spec.key != "account":
        names += ["account.name", "account.segment", "account.<any account field>"]
    return names


def resolve(spec: ObjectSpec, object_type: str, name: str, scope: Scope) -> Target:
    """A plain (non-dotted, non-group) field of ``spec``: standard first, then custom."""
    hidden = scope.hidden_for(object_type)
    found = standard_target(spec, name, hidden)
    if found is not None:
        return found
    custom = scope.custom_for(object_type)
    if name in custom:
        return custom_target(spec, name, custom[name])
    raise unknown_choice(f"{spec.key} field", name, field_names(spec, custom, hidden))
