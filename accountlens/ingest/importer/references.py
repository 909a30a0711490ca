"""Clearing optional references before the records they point at are deleted.

Optional references between records (``accounts.owner_id``, ``documents.account_id`` …) are
composite ``(org_id, <ref>_id)`` foreign keys that take no action on delete, because Citus
refuses ``ON DELETE SET NULL`` on keys that include the distribution column (migration 0021).
Whoever deletes records clears what points at them first, in the same transaction, so the
reference becomes ``NULL`` as before and ``org_id`` is never touched.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Table, any_, update
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import bindparam

from accountlens.db.models import Base


def optional_references(target: Table | None = None) -> list[tuple[Table, str]]:
    """The (table, column) pairs whose optional foreign key points at ``target``'s records
    (at any table's records when ``target`` is ``None``)."""
    found = []
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_key_constraints:
            if target is not None and key.referred_table is not target:
                continue
            if key.ondelete is not None:
                continue
            (column,) = [c for c in key.columns if c.name != "org_id"]
            if column.nullable:
                found.append((table, column.name))
    return found


async def clear_references(
    conn: AsyncConnection, target: Table, org_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> None:
    """Set to ``NULL`` every optional reference of ``org_id``'s rows to ``target`` rows ``ids``."""
    if not ids:
        return
    wanted = bindparam("ids", list(ids), type_=ARRAY(UUID(as_uuid=True)))
    for table, column in optional_references(target):
        await conn.execute(
            update(table)
            .where(table.c.org_id == org_id, table.c[column] == any_(wanted))
            .values({column: None})
        )
