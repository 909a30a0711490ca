"""The org's data model as callers discover it: properties per type, custom object types."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from accountlens.db.models import CustomObjectInstance, CustomObjectType, Group
from accountlens.object_types import LISTABLE
from accountlens.resolvers.errors import unknown_choice
from accountlens.resolvers.field_security import hidden_fields
from accountlens.resolvers.reader import Reader, Row
from accountlens.resolvers.registry import CUSTOM_OBJECT, SPECS, ObjectSpec
from accountlens.resolvers.visibility import (
    visible_custom_object_types,
    visible_custom_objects,
    visible_groups,
)

#: Types whose properties can be discovered (custom object types add ``custom:<key>``).
BUILT_IN_TYPES = LISTABLE


@dataclass(frozen=True, slots=True)
class PropertyEntry:
    object_type: str
    key: str
    label: str
    description: str | None
    data_type: str
    allowed_values: list[Any] | None
    is_custom: bool
    filterable: bool
    sortable: bool
    filter_field: str


async def custom_object_types(reader: Reader) -> list[Row]:
    """The org's custom object types, by label (memoised per request)."""

    async def load() -> list[Row]:
        columns = [c for c in CustomObjectType.__table__.columns]
        return await reader.rows(
            select(*columns)
            .where(visible_custom_object_types(reader.principal))
            .order_by(CustomObjectType.label)
        )

    rows: list[Row] = await reader.once("custom_object_types", load)
    return rows


async def custom_object_counts(reader: Reader) -> dict[uuid.UUID, int]:
    """Visible instances per custom object type id (one statement per request)."""

    async def load() -> dict[uuid.UUID, int]:
        rows = await reader.rows(
            select(CustomObjectInstance.type_id, func.count().label("n"))
            .where(visible_custom_objects(reader.principal))
            .group_by(CustomObjectInstance.type_id)
        )
        return {row["type_id"]: int(row["n"]) for row in rows}

    counts: dict[uuid.UUID, int] = await reader.once("custom_object_counts", load)
    return counts


async def group_names(reader: Reader) -> list[Row]:
    async def load() -> list[Row]:
        return await reader.rows(
            select(Group.id, Group.name, Group.kind, Group.member_type)
            .where(visible_groups(reader.principal))
            .order_by(Group.name)
        )

    rows: list[Row] = await reader.once("group_names", load)
    return rows


async def resolve_object_type(reader: Reader, object_type: str) -> tuple[ObjectSpec, str]:
    """The spec and property-definition key of ``account`` … or a custom type's key."""
    name = object_type.strip().lower()
    if name in BUILT_IN_TYPES:
        return SPECS[name], name
    key = name.removeprefix("custom:")
    custom = {row["key"] for row in await custom_object_types(reader)}
    if key in custom:
        return CUSTOM_OBJECT, f"custom:{key}"
    raise unknown_choice("object type", object_type, [*BUILT_IN_TYPES, *sorted(custom)])


async def properties(
    reader: Reader, object_type: str, query: str | None = None
) -> list[PropertyEntry]:
    """Standard and custom fields of a type, with the names filters accept.

    Standard fields come from the registry (enriched by any stored definition of the same key);
    custom ones from ``property_definitions``; fields hidden from the caller are left out; group
    membership and parent account fields are listed as the pseudo-fields filters understand.
    """
    spec, definitions_key = await resolve_object_type(reader, object_type)
    hidden = (await hidden_fields(reader)).of(definitions_key)  # they do not exist for the caller
    stored = {
        row["key"]: row
        for row in await reader.property_definitions()
        if row["object_type"] == definitions_key and row["key"] not in hidden
    }
    entries: list[PropertyEntry] = []
    for key, f in spec.fields.items():
        if key in hidden:
            continue
        row = stored.get(key)
        entries.append(
            PropertyEntry(
                object_type=definitions_key,
                key=key,
                label=(row or {}).get("label") or f.label,
                description=(row or {}).get("description") or f.description,
                data_type=f.data_type,
                allowed_values=list(f.allowed_values or ()) or (row or {}).get("allowed_values"),
                is_custom=False,
                filterable=f.filterable,
                sortable=f.sortable,
                filter_field=key,
            )
        )
    for key, row in stored.items():
        if not row["is_custom"] or key in spec.fields:
            continue
        entries.append(
            PropertyEntry(
                object_type=definitions_key,
                key=key,
                label=row["label"],
                description=row["description"],
                data_type=row["data_type"],
                allowed_values=row["allowed_values"],
                is_custom=True,
                filterable=row["filterable"],
                sortable=row["sortable"],
                filter_field=key,
            )
        )
    entries += await _pseudo_fields(reader, spec, definitions_key)
    if query:
        needle = query.strip().lower()
        entries = [
            e
            for e in entries
            if needle in e.key.lower()
            or needle in e.label.lower()
            or needle in (e.description or "").lower()
        ]
    return entries


async def _pseudo_fields(reader: Reader, spec: ObjectSpec, object_type: str) -> list[PropertyEntry]:
    groups = await group_names(reader)
    entries = []

    def entry(key: str, description: str, member_type: str, kind: str | None) -> PropertyEntry:
        names = [
            g["name"]
            for g in groups
            if g["member_type"] == member_type and kind in (None, g["kind"])
        ]
        label = key.replace(".", " ").capitalize()
        return PropertyEntry(
            object_type, key, label, description, "enum", names, False, True, False, key
        )

    if spec.group_member_column:
        member_type = "account" if spec.key == "account" else "person"
        entries.append(
            entry("group", "Membership in a segment or list, by name.", member_type, None)
        )
        entries.append(
            entry("segment", "Membership in a segment, by name.", member_type, "segment")
        )
    if spec.account_column is not None and spec.key != "account":
        entries.append(
            entry(
                "account.segment", "Segment of the parent account, by name.", "account", "segment"
            )
        )
        entries.append(
            PropertyEntry(
                object_type,
                "account.<field>",
                "Parent account field",
                "Any account field, e.g. account.name or account.tier.",
                "string",
                None,
                False,
                True,
                False,
                "account.<field>",
            )
        )
    return entries
