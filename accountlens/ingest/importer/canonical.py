"""One spelling per value: "Closed won" and "closed won " are the stage the org already has.

Values that name a choice (a stage, an industry, a lifecycle stage, a persona, a custom field
with allowed values) are compared without case and surrounding spaces. A row's value takes the
spelling already stored in the org (for a custom field, its allowed value), else the first
spelling of this file, so every source (JSON Lines, CSV, Salesforce, HubSpot, Zendesk) ends up
with one value where a filter would see one. Segments and lists are one group by name without
case already (their natural key).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from accountlens.db.models import PropertyDefinition
from accountlens.ingest.importer.load import table_of
from accountlens.ingest.importer.records import Item, RecordSpec

_PROPERTIES = table_of(PropertyDefinition)


def fold(value: str) -> str:
    """A value as compared: without surrounding spaces, without case ("At Risk" = " at risk")."""
    return value.strip().casefold()


async def canonical_spellings(
    conn: AsyncConnection, org_id: uuid.UUID, spec: RecordSpec[Any], items: Sequence[Item[Any]]
) -> None:
    """Rewrite the choice values of ``items`` to the org's spelling of each (in place)."""
    if not items:
        return
    for column in spec.canonical:
        spelling = await _stored_spellings(conn, org_id, spec, column)
        for item in items:
            value = item.values.get(column)
            if isinstance(value, str):
                item.values[column] = spelling.setdefault(fold(value), value.strip())
    choices = await _custom_choices(conn, org_id, spec.kind)
    for item in items:
        custom = item.values.get("custom")
        if not choices or not isinstance(custom, dict):
            continue
        for key, spelling in choices.items():
            value = custom.get(key)
            if isinstance(value, str):
                custom[key] = spelling.setdefault(fold(value), value.strip())


async def _stored_spellings(
    conn: AsyncConnection, org_id: uuid.UUID, spec: RecordSpec[Any], column: str
) -> dict[str, str]:
    spelling: dict[str, str] = {}
    for values in (*spec.spelt_as, spec.table.c[column]):
        result = await conn.execute(
            select(values).distinct()
            .where(values.table.c.org_id == org_id, values.is_not(None))
            .order_by(values)
        )  # fmt: skip
        for (value,) in result:
            spelling.setdefault(fold(value), value)
    return spelling


async def _custom_choices(
    conn: AsyncConnection, org_id: uuid.UUID, object_type: str
) -> dict[str, dict[str, str]]:
    """Custom fields of ``object_type`` with allowed values: key → folded → allowed spelling."""
    result = await conn.execute(
        select(_PROPERTIES.c.key, _PROPERTIES.c.allowed_values).where(
            _PROPERTIES.c.org_id == org_id,
            _PROPERTIES.c.object_type == object_type,
            _PROPERTIES.c.is_custom,
            _PROPERTIES.c.allowed_values.is_not(None),
        )
    )
    choices: dict[str, dict[str, str]] = {}
    for key, allowed in result:
        if isinstance(allowed, list):
            spelling = choices.setdefault(key, {})
            for value in allowed:
                if isinstance(value, str):
                    spelling.setdefault(fold(value), value)
    return choices
