"""Field-level security (SPEC §4): fields an admin hides from the org's members.

A hidden field does not exist for a member: every statement that reads records of its type
selects ``NULL`` in its place (a hidden custom field is removed from the ``custom`` JSON in
SQL), filters, sorts and keyword search never see it, and property discovery leaves it out,
so a filter on it is refused exactly like a misspelled field. Admins see every field.

The org's hidden fields are read once per request (members only: an admin's request runs no
extra statement), so a change applies from the next request on. A bearer request's check reads
them (``reader.read_along``); a member whose request reads the org row itself (``Reader.org``)
gets them in that statement; otherwise they take one of their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ARRAY, ColumnElement, Text, delete, literal, null, select
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from accountlens.auth.admin import record_action
from accountlens.auth.principal import Principal
from accountlens.db.models import FieldSecurity
from accountlens.db.row_security import bind_org
from accountlens.resolvers.errors import BadInputError, ForbiddenError, unknown_choice
from accountlens.resolvers.fields import normalize
from accountlens.resolvers.reader import Reader
from accountlens.resolvers.registry import SPECS, ObjectSpec
from accountlens.resolvers.visibility import row_security_org, visible_field_security

#: The types whose fields can be hidden (the built-in types ``search_properties`` describes).
SECURABLE_TYPES = ("account", "person", "opportunity", "task", "activity", "project", "ticket")

#: Fields a timeline event is dated or described by: hiding them would leave events without a
#: time or detail, so they stay visible (as do names, references and required columns).
TIMELINE_FIELDS = frozenset(
    {("activity", "kind"), ("activity", "occurred_at"), ("ticket", "status"),
     ("ticket", "opened_at"), ("task", "status")}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Hidden:
    """The hidden field keys per object type, as one request sees them (empty for admins)."""

    by_type: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def of(self, object_type: str) -> frozenset[str]:
        return self.by_type.get(object_type, frozenset())


NOTHING_HIDDEN = Hidden()


async def hidden_fields(reader: Reader) -> Hidden:
    """The fields hidden from the caller: none for an admin, the org's list for a member."""
    if reader.principal.is_admin:
        return NOTHING_HIDDEN

    async def load() -> Hidden:
        pairs = reader.hidden_rows  # read by the bearer check, or with the org row
        if pairs is None:
            rows = await reader.rows(
                select(FieldSecurity.object_type, FieldSecurity.field).where(
                    visible_field_security(reader.principal)
                )
            )
            pairs = [(row["object_type"], row["field"]) for row in rows]
        grouped: dict[str, set[str]] = {}
        for object_type, hidden_field in pairs:
            grouped.setdefault(object_type, set()).add(hidden_field)
        return Hidden({k: frozenset(v) for k, v in grouped.items()})

    found: Hidden = await reader.once("hidden_fields", load)
    return found


def projection(spec: ObjectSpec, hidden: Iterable[str]) -> list[ColumnElement[Any]]:
    """The columns a row of ``spec`` carries for this caller: hidden ones read as ``NULL``.

    A hidden custom field is subtracted from the ``custom`` JSON (``custom - '{key,…}'``), so
    its value never leaves the database either.
    """
    keys = set(hidden)
    if not keys:
        return list(spec.columns)
    standard = {f.column.key for f in spec.fields.values() if f.key in keys}
    custom = sorted(k for k in keys if k not in spec.fields)
    columns: list[ColumnElement[Any]] = []
    for column in spec.columns:
        if column.key in standard:
            columns.append(null().label(column.key))
        elif column.key == "custom" and custom:
            removed = column.op("-", return_type=JSONB)(literal(custom, ARRAY(Text)))
            columns.append(removed.label("custom"))
        else:
            columns.append(column)
    return columns


def hideable_standard(spec: ObjectSpec) -> list[str]:
    """Standard fields of ``spec`` an admin may hide: optional values that are not the
    record's name, a reference to another record, or what its timeline events show."""
    keys = []
    for key, f in spec.fields.items():
        if f.data_type == "reference" or f.column is spec.name_column:
            continue
        if (spec.key, key) in TIMELINE_FIELDS or not f.column.expression.nullable:
            continue
        keys.append(key)
    return keys


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One field an admin may hide, and whether it is hidden (what the admin page lists)."""

    object_type: str
    field: str
    label: str
    is_custom: bool
    hidden: bool
    hidden_at: datetime | None = None
    hidden_by: uuid.UUID | None = None


async def field_rules(reader: Reader, object_type: str | None = None) -> list[FieldRule]:
    """Every field of the securable types (or of ``object_type``) an admin may hide, with its
    state. Admins only: to a member a hidden field does not exist, nor does this list."""
    if not reader.principal.is_admin:
        raise ForbiddenError("only admins may see which fields are hidden from members")
    types: tuple[str, ...] = SECURABLE_TYPES
    if object_type is not None:
        chosen = object_type.strip().lower()
        if chosen not in SECURABLE_TYPES:
            raise unknown_choice("object type", object_type, SECURABLE_TYPES)
        types = (chosen,)
    stored = {
        (r["object_type"], r["field"]): r
        for r in await reader.rows(
            select(
                FieldSecurity.object_type,
                FieldSecurity.field,
                FieldSecurity.hidden_at,
                FieldSecurity.hidden_by,
            ).where(visible_field_security(reader.principal))
        )
    }
    definitions = await reader.property_definitions()
    rules = []
    for type_key in types:
        spec = SPECS[type_key]
        labels = {r["key"]: r["label"] for r in definitions if r["object_type"] == type_key}
        custom = [k for k in await reader.custom_fields(type_key) if k not in spec.fields]
        candidates = [(k, False) for k in hideable_standard(spec)] + [(k, True) for k in custom]
        for key, is_custom in candidates:
            row = stored.get((type_key, key))
            fallback = key if is_custom else spec.fields[key].label
            label = labels.get(key) or fallback
            rules.append(
                FieldRule(
                    type_key,
                    key,
                    label,
                    is_custom,
                    hidden=row is not None,
                    hidden_at=row["hidden_at"] if row else None,
                    hidden_by=row["hidden_by"] if row else None,
                )
            )
    return rules


async def securable_field(reader: Reader, object_type: str, name: str) -> str:
    """The stored key of the field ``name`` of ``object_type`` if an admin may hide it.

    Aliases and spellings filters accept (``arr``, ``churnRisk``) name the same field.
    """
    type_key = object_type.strip().lower()
    if type_key not in SECURABLE_TYPES:
        raise unknown_choice("object type", object_type, SECURABLE_TYPES)
    spec = SPECS[type_key]
    key = normalize(name).removeprefix("custom.")
    key = spec.aliases.get(key, key)
    standard = hideable_standard(spec)
    custom = list(await reader.custom_fields(type_key))
    if key in standard or (key in custom and key not in spec.fields):
        return key
    if key in spec.fields:
        raise BadInputError(
            f"{type_key}.{key} cannot be hidden: names, references and what timelines show "
            "stay visible",
            field="field",
            choices=[*standard, *custom],
        )
    raise unknown_choice(f"{type_key} field", name, [*standard, *custom])


async def set_field_hidden(
    session: AsyncSession,
    principal: Principal,
    object_type: str,
    key: str,
    hidden: bool,
) -> tuple[datetime, uuid.UUID | None] | None:
    """Hide (or show again) one field of the admin's org, in one transaction on ``session``;
    when and by whom it is hidden now (``None``: visible).

    Row-level security binds the write to the admin's org; hiding twice is a no-op.
    """
    if not principal.is_admin:
        raise ForbiddenError("only admins may hide fields from members")
    async with session.begin():
        connection = await session.connection()
        await bind_org(connection, row_security_org(principal))
        if hidden:
            statement: Any = (
                insert(FieldSecurity)
                .values(
                    org_id=row_security_org(principal),
                    object_type=object_type,
                    field=key,
                    hidden_by=principal.user_id,
                )
                .on_conflict_do_nothing()
            )
        else:
            statement = delete(FieldSecurity).where(
                visible_field_security(principal),
                FieldSecurity.object_type == object_type,
                FieldSecurity.field == key,
            )
        await session.execute(cast(Any, statement))
        action = "field.hidden" if hidden else "field.shown"
        record_action(session, principal, action, f"{object_type}.{key}")
        found = (
            await session.execute(
                select(FieldSecurity.hidden_at, FieldSecurity.hidden_by).where(
                    visible_field_security(principal),
                    FieldSecurity.object_type == object_type,
                    FieldSecurity.field == key,
                )
            )
        ).first()
    return (found[0], found[1]) if found else None
