"""Specs of the extensible parts: custom object types and instances, groups, property definitions.

A custom object type's fields are ``property_definitions`` rows with ``object_type`` set to
``custom:<key>``; they are written inline with the type (not in property_definitions.jsonl),
and an instance's ``values`` are checked against them.
"""

from __future__ import annotations

import difflib
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import and_, delete, exists, not_, null, select
from sqlalchemy.ext.asyncio import AsyncConnection

from accountlens.db.models import (
    Account,
    Activity,
    Contract,
    CustomObjectInstance,
    CustomObjectType,
    Group,
    GroupMember,
    Opportunity,
    Person,
    Project,
    PropertyDefinition,
    Task,
    Ticket,
)
from accountlens.db.models.base import Base
from accountlens.ingest.importer import formats
from accountlens.ingest.importer.formats import (
    CustomObjectRow,
    CustomObjectTypeRow,
    FieldDefinition,
    GroupRow,
    PropertyDefinitionRow,
)
from accountlens.ingest.importer.load import (
    ChildRows,
    ChildTable,
    NaturalKey,
    table_of,
    upsert,
)
from accountlens.ingest.importer.records import ImportContext, Item, RecordSpec, RowError
from accountlens.ingest.importer.resolve import Ref, Resolved
from accountlens.ingest.importer.specs_crm import list_refs, optional_ref

CUSTOM_PREFIX = "custom:"
_PROPERTIES = table_of(PropertyDefinition)
_FIELD_COLUMNS = (
    "label", "description", "data_type", "allowed_values", "filterable", "sortable", "position",
    "is_custom",
)  # fmt: skip

#: Built-in types that may get custom fields, with their table and import format (whose
#: names a custom field may not reuse).
BUILTIN_TYPES: dict[str, tuple[type[Base], type[BaseModel]]] = {
    "account": (Account, formats.AccountRow),
    "person": (Person, formats.PersonRow),
    "opportunity": (Opportunity, formats.OpportunityRow),
    "task": (Task, formats.TaskRow),
    "activity": (Activity, formats.ActivityRow),
    "project": (Project, formats.ProjectRow),
    "ticket": (Ticket, formats.TicketRow),
    "contract": (Contract, formats.ContractRow),
}


def field_columns(definition: FieldDefinition, position: int) -> dict[str, Any]:
    """The property_definitions columns of one field."""
    return {
        "label": definition.label,
        "description": definition.description,
        "data_type": definition.data_type,
        # SQL NULL, not the JSON value null, when a field has no allowed values.
        "allowed_values": definition.allowed_values
        if definition.allowed_values is not None
        else null(),
        "filterable": definition.filterable,
        "sortable": definition.sortable,
        "position": position,
        "is_custom": True,
    }


class CustomObjectTypeSpec(RecordSpec[CustomObjectTypeRow]):
    file = "custom_object_types.jsonl"
    kind = "custom_object_type"
    model = CustomObjectTypeRow
    table = table_of(CustomObjectType)
    natural_key = NaturalKey(("key",))

    def identity(self, raw: Mapping[str, Any]) -> list[object]:
        return [raw.get("external_id"), raw.get("key")]

    def values(self, row: CustomObjectTypeRow, refs: Resolved) -> dict[str, Any]:
        return {
            "key": row.key,
            "label": row.label,
            "label_plural": row.label_plural,
            "description": row.description,
            "custom": row.custom,
        }

    async def after_write(
        self, conn: AsyncConnection, ctx: ImportContext, items: Sequence[Item[CustomObjectTypeRow]]
    ) -> set[uuid.UUID]:
        """Write each type's fields; return the types whose fields changed."""
        by_object_type = {CUSTOM_PREFIX + item.row.key: item.id for item in items}
        rows = [
            {
                "org_id": ctx.org_id,
                "id": uuid.uuid4(),
                "external_id": None,
                "custom": {},
                "object_type": CUSTOM_PREFIX + item.row.key,
                "key": definition.key,
                **field_columns(definition, position),
            }
            for item in items
            for position, definition in enumerate(item.row.fields)
        ]
        written = await upsert(
            conn,
            _PROPERTIES,
            rows,
            conflict=("org_id", "object_type", "key"),
            compare=_FIELD_COLUMNS,
            returning=("object_type",),
        )
        changed = {by_object_type[row.object_type] for row in written}
        for item in items:
            object_type = CUSTOM_PREFIX + item.row.key
            keys = [definition.key for definition in item.row.fields]
            stale = delete(_PROPERTIES).where(
                _PROPERTIES.c.org_id == ctx.org_id, _PROPERTIES.c.object_type == object_type
            )
            if keys:
                stale = stale.where(not_(_PROPERTIES.c.key.in_(keys)))
            removed = await conn.execute(stale.returning(_PROPERTIES.c.id))
            if removed.first() is not None:
                changed.add(item.id)
        await _drop_orphan_fields(conn, ctx.org_id)
        return changed


async def _drop_orphan_fields(conn: AsyncConnection, org_id: uuid.UUID) -> None:
    """Fields left behind under a type's old key when the type was given a new one."""
    types = table_of(CustomObjectType)
    await conn.execute(
        delete(_PROPERTIES).where(
            _PROPERTIES.c.org_id == org_id,
            _PROPERTIES.c.object_type.startswith(CUSTOM_PREFIX, autoescape=True),
            ~exists().where(
                types.c.org_id == _PROPERTIES.c.org_id,
                CUSTOM_PREFIX + types.c.key == _PROPERTIES.c.object_type,
            ),
        )
    )


@dataclass(frozen=True)
class FieldRule:
    data_type: str
    allowed_values: list[str] | None


class CustomObjectSpec(RecordSpec[CustomObjectRow]):
    file = "custom_objects.jsonl"
    kind = "custom_object"
    model = CustomObjectRow
    table = table_of(CustomObjectInstance)

    def __init__(self) -> None:
        self._fields: dict[uuid.UUID, dict[str, FieldRule]] = defaultdict(dict)

    async def prepare(
        self, conn: AsyncConnection, ctx: ImportContext, rows: Sequence[CustomObjectRow]
    ) -> None:
        types = table_of(CustomObjectType)
        result = await conn.execute(
            select(
                types.c.id, _PROPERTIES.c.key, _PROPERTIES.c.data_type, _PROPERTIES.c.allowed_values
            )
            .join(
                _PROPERTIES,
                and_(
                    _PROPERTIES.c.org_id == types.c.org_id,
                    _PROPERTIES.c.object_type == CUSTOM_PREFIX + types.c.key,
                ),
            )
            .where(types.c.org_id == ctx.org_id)
        )
        for type_id, key, data_type, allowed in result:
            self._fields[type_id][key] = FieldRule(data_type, allowed)

    def refs(self, row: CustomObjectRow) -> list[Ref]:
        return [
            Ref("type", "custom_object_type", row.type),
            *optional_ref("account", "account", row.account),
        ]

    def values(self, row: CustomObjectRow, refs: Resolved) -> dict[str, Any]:
        type_id = refs.target("type").id
        fields = self._fields.get(type_id, {})
        row.values = canonical_choices(row.values, fields)
        problems = check_values(row.values, fields)
        if problems:
            raise RowError("; ".join(problems))
        return {
            "type_id": type_id,
            "account_id": refs.id("account"),
            "name": row.name,
            "custom": row.values,
        }


def canonical_choices(values: dict[str, Any], fields: dict[str, FieldRule]) -> dict[str, Any]:
    """Enum values as their field spells them: " gold" and "Gold" are the choice "gold"."""
    canonical = dict(values)
    for key, value in values.items():
        rule = fields.get(key)
        if rule is None or rule.data_type != "enum" or not isinstance(value, str):
            continue
        wanted = value.strip().casefold()
        match = next((v for v in rule.allowed_values or [] if v.casefold() == wanted), None)
        if match is not None:
            canonical[key] = match
    return canonical


def check_values(values: dict[str, Any], fields: dict[str, FieldRule]) -> list[str]:
    """Problems with an instance's values; a type without field definitions accepts anything."""
    if not fields:
        return []
    problems: list[str] = []
    for key, value in values.items():
        rule = fields.get(key)
        if rule is None:
            close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else f"fields are {', '.join(fields)}"
            problems.append(f"values.{key}: not a field of this type; {hint}")
        elif value is not None and not _fits(rule, value):
            expected = (
                "one of " + ", ".join(repr(v) for v in rule.allowed_values or [])
                if rule.data_type == "enum"
                else f"a {rule.data_type}"
            )
            problems.append(f"values.{key}: expected {expected}, got {value!r}")
    return problems


def _fits(rule: FieldRule, value: Any) -> bool:
    kind = rule.data_type
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind == "integer":
        return isinstance(value, int)
    if kind == "number":
        return isinstance(value, int | float)
    if kind == "money":
        return isinstance(value, int | float) or (
            isinstance(value, dict) and isinstance(value.get("amount"), int | float)
        )
    if kind == "enum":
        return value in (rule.allowed_values or [])
    if kind in ("date", "datetime"):
        return isinstance(value, str) and _parses(date if kind == "date" else datetime, value)
    return isinstance(value, str)


def _parses(kind: type[date], value: str) -> bool:
    try:
        kind.fromisoformat(value)
    except ValueError:
        return False
    return True


class GroupSpec(RecordSpec[GroupRow]):
    """A segment or list; its members are accounts or people, by external ID, inline."""

    file = "groups.jsonl"
    kind = "group"
    model = GroupRow
    table = table_of(Group)
    # "At Risk" and "at risk" are one segment, as filters on group names already treat them.
    natural_key = NaturalKey(("name",), case_insensitive=True)
    children = (
        ChildTable("members", table_of(GroupMember), "group_id", ("account_id", "person_id")),
    )

    def refs(self, row: GroupRow) -> list[Ref]:
        return list_refs("members", row.member_type, row.members)

    def values(self, row: GroupRow, refs: Resolved) -> dict[str, Any]:
        return {
            "name": row.name,
            "kind": row.kind,
            "member_type": row.member_type,
            "description": row.description,
            "custom": row.custom,
        }

    def members(self, row: GroupRow, refs: Resolved) -> dict[str, ChildRows]:
        ids = refs.ids(f"members[{index}]" for index in range(len(row.members)))
        if row.member_type == "account":
            return {"members": {(id_, None): () for id_ in ids}}
        return {"members": {(None, id_): () for id_ in ids}}


class PropertyDefinitionSpec(RecordSpec[PropertyDefinitionRow]):
    """Custom fields of built-in types (a custom object type's fields come with the type)."""

    file = "property_definitions.jsonl"
    kind = "property_definition"
    model = PropertyDefinitionRow
    table = _PROPERTIES
    natural_key = NaturalKey(("object_type", "key"), adopt=False)

    def values(self, row: PropertyDefinitionRow, refs: Resolved) -> dict[str, Any]:
        model, row_format = BUILTIN_TYPES[row.object_type]
        if row.key in table_of(model).c or row.key in row_format.model_fields:
            raise RowError(f"key: '{row.key}' is a standard field of {row.object_type}")
        return {"object_type": row.object_type, "key": row.key, **field_columns(row, row.position)}


__all__ = [
    "CustomObjectSpec",
    "CustomObjectTypeSpec",
    "GroupSpec",
    "PropertyDefinitionSpec",
    "check_values",
]
