"""The one lock every change to the schema and its privileges takes.

Replicas (or ``serve`` processes) starting together on one database each migrate, grant the app
role its privileges and mark search functions LEAKPROOF. PostgreSQL refuses two concurrent
updates of one catalog row (``GRANT USAGE ON SCHEMA public`` from two sessions: "tuple
concurrently updated"), so all of it runs under one transaction-level advisory lock: the second
process waits for the first, then finds its work already done.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

#: Key of the transaction-level advisory lock ("ALMIGRAT").
SCHEMA_LOCK = 0x414C4D4947524154


async def hold_schema_lock(conn: AsyncConnection) -> None:
    """Wait for, then hold until the transaction ends, the schema lock."""
    await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
