"""The one lock every change to the schema and its privileges takes.

Replicas (or ``serve`` processes) starting together on one database each migrate, grant the app
role its privileges and mark search functions LEAKPROOF. PostgreSQL refuses two concurrent
updates of one catalog row (``GRANT USAGE ON SCHEMA public`` from two sessions: "tuple
concurrently updated"), so all of it runs under one transaction-level advisory lock: the second
process waits for the first, then finds its work already done.

On a Citus coordinator the same transactions also run their DDL over one connection per worker
(``citus.multi_shard_modify_mode = 'sequential'``): a transaction that grants on thirty
distributed tables otherwise opens parallel connections per worker whose catalog updates wait
on each other, which Citus cancels as a distributed deadlock.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

#: Key of the transaction-level advisory lock ("ALMIGRAT").
SCHEMA_LOCK = 0x414C4D4947524154


#: On a Citus coordinator, make the transaction's DDL use one connection per worker (a no-op
#: elsewhere: without Citus the setting does not exist and is left alone).
SEQUENTIAL_ON_CITUS = (
    "CASE WHEN current_setting('citus.multi_shard_modify_mode', true) IS NOT NULL "
    "THEN set_config('citus.multi_shard_modify_mode', 'sequential', true) END"
)


async def hold_schema_lock(conn: AsyncConnection) -> None:
    """Wait for, then hold until the transaction ends, the schema lock."""
    await conn.execute(
        text(f"SELECT pg_advisory_xact_lock(:key), {SEQUENTIAL_ON_CITUS}"), {"key": SCHEMA_LOCK}
    )


async def ddl_sequentially_on_citus(conn: AsyncConnection) -> None:
    """For a transaction that changes distributed tables' DDL without the schema lock."""
    await conn.execute(text(f"SELECT {SEQUENTIAL_ON_CITUS}"))
