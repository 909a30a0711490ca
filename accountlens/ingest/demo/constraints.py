"""Foreign keys set aside during a bulk load, then restored and checked in one pass per key.

PostgreSQL checks a foreign key once per inserted row; for narrow rows (usage rollups,
participants) that check costs more than the insert itself. Dropping the keys inside the build's
transaction and adding them back at the end replaces millions of per-row lookups with one join
per key, and the re-added keys still validate every row, so nothing unchecked is committed.
The definitions are read from the catalog and replayed verbatim; DDL is transactional, so a
failed build restores them by rolling back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from accountlens.ingest.demo.writer import COPY_TIMEOUT_SECONDS


@dataclass(frozen=True, slots=True)
class ForeignKey:
    table: str
    name: str
    definition: str


async def drop_foreign_keys(
    connection: asyncpg.Connection, tables: Sequence[str]
) -> list[ForeignKey]:
    """Drop the foreign keys declared on ``tables``; return what is needed to restore them."""
    rows = await connection.fetch(
        """
        SELECT c.conrelid::regclass::text AS table_name, c.conname,
               pg_get_constraintdef(c.oid) AS definition
        FROM pg_constraint c
        WHERE c.contype = 'f' AND c.conrelid = ANY($1::regclass[])
        ORDER BY c.conrelid::regclass::text, c.conname
        """,
        list(tables),
    )
    keys = [ForeignKey(row["table_name"], row["conname"], row["definition"]) for row in rows]
    for key in keys:
        await connection.execute(f'ALTER TABLE {key.table} DROP CONSTRAINT "{key.name}"')
    return keys


async def restore_foreign_keys(connection: asyncpg.Connection, keys: Sequence[ForeignKey]) -> None:
    """Add the keys back; each addition checks every existing row of its table."""
    for key in keys:
        await connection.execute(
            f'ALTER TABLE {key.table} ADD CONSTRAINT "{key.name}" {key.definition}',
            timeout=COPY_TIMEOUT_SECONDS,
        )
