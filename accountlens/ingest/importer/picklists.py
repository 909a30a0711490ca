"""Picklists become allowed values: a mapped file's closed lists, written as property definitions.

A mapping names the fields whose values come from a closed list in the source (a Salesforce
picklist, a HubSpot dropdown, a pipeline's stages) in ``picklists``. After the file is
imported, the distinct values its rows held are added to the ``allowed_values`` of that field's
property definition, which ``search_properties`` reports; the definition is created when the
org has none (``is_custom`` false for a standard field such as ``stage``). Allowed values only
grow: an export holding no row of a value does not prove the value was removed from the list.
Values that differ only by case or surrounding spaces are one value; the first spelling stays.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from accountlens.db.models import PropertyDefinition
from accountlens.ingest.importer.canonical import fold
from accountlens.ingest.importer.csv_source import CsvSource
from accountlens.ingest.importer.load import table_of
from accountlens.ingest.importer.records import ImportContext
from accountlens.ingest.importer.specs_custom import BUILTIN_TYPES
from accountlens.ingest.importer.target import ImportTarget
from accountlens.object_types import LISTABLE, TYPES

#: The built-in object type of each mapping target that can have property definitions.
OBJECT_TYPES = {TYPES[key].list_field: key for key in LISTABLE}
_PROPERTIES = table_of(PropertyDefinition)


async def write_picklists(target: ImportTarget, ctx: ImportContext, source: CsvSource) -> None:
    """Add the values ``source``'s rows held to its picklist fields' allowed values."""
    object_type = OBJECT_TYPES.get(source.mapping.target)
    seen = {key: values for key, values in source.picklist_values.items() if values}
    if object_type is None or not seen:
        return
    model, row_format = BUILTIN_TYPES[object_type]
    standard = set(table_of(model).c.keys()) | set(row_format.model_fields)
    table = _PROPERTIES
    async with target.begin() as conn:
        result = await conn.execute(
            select(table.c.key, table.c.id, table.c.allowed_values).where(
                table.c.org_id == ctx.org_id,
                table.c.object_type == object_type,
                table.c.key.in_(list(seen)),
            )
        )
        stored = {key: (id_, allowed) for key, id_, allowed in result}
        position = await conn.scalar(
            select(table.c.position)
            .where(table.c.org_id == ctx.org_id, table.c.object_type == object_type)
            .order_by(table.c.position.desc())
            .limit(1)
        )
        for key, values in seen.items():
            id_, allowed = stored.get(key, (None, None))
            merged = merge_values(allowed if isinstance(allowed, list) else [], values)
            if id_ is None:
                position = (position or 0) + 1
                await conn.execute(
                    pg_insert(table).values(
                        **_new_definition(ctx.org_id, object_type, key, merged, position),
                        is_custom=key not in standard,
                    )
                )
            elif merged != allowed:
                await conn.execute(
                    update(table)
                    .where(table.c.org_id == ctx.org_id, table.c.id == id_)
                    .values(allowed_values=merged, updated_at=func.now())
                )
            else:
                continue
            added = len(merged) - len(allowed or [])
            ctx.report.notes.append(
                f"{source.label}: {object_type}.{key} allows {len(merged)} values "
                f"({added} new from this file)"
            )


def merge_values(stored: list[Any], seen: dict[str, str]) -> list[Any]:
    """Stored allowed values, then the new ones (by folded spelling), sorted without case."""
    known = {fold(value) for value in stored if isinstance(value, str)}
    new = sorted((value for key, value in seen.items() if key not in known), key=fold)
    return [*stored, *new]


def _new_definition(
    org_id: uuid.UUID, object_type: str, key: str, allowed: list[Any], position: int
) -> dict[str, Any]:
    return {
        "org_id": org_id,
        "id": uuid.uuid4(),
        "external_id": None,
        "custom": {},
        "object_type": object_type,
        "key": key,
        "label": key.replace("_", " ").capitalize(),
        "description": None,
        "data_type": "enum",
        "allowed_values": allowed,
        "filterable": True,
        "sortable": True,
        "position": position,
    }
