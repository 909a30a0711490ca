"""A pooled connection used through its asyncpg connection, in a transaction begun by hand.

The reader (``resolvers/reader.py``) and the request unit of work
(``auth/request_unit.py``) send SQL text straight to asyncpg: SQLAlchemy's ``AsyncConnection``
costs about as much CPU per statement as the statement itself. They check the connection out
of the engine's pool (so pool limits, invalidation and disposal work as everywhere else), send
``BEGIN`` themselves, and must therefore also end the transaction themselves:
SQLAlchemy's adapter does not know of a transaction begun on the raw connection, and would hand
the connection back to the pool mid-transaction. :func:`discard` rolls back (or drops a broken
connection) before returning it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import asyncpg
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Held:
    """A checked-out connection and the asyncpg connection under it, in our own transaction."""

    connection: AsyncConnection
    pooled: PoolProxiedConnection
    driver: Any  # asyncpg.Connection (the stubs' generic type is not worth threading through)


async def checkout(engine: AsyncEngine, first: str | None = None) -> Held:
    """Check out a connection and send ``first`` on it (``BEGIN`` and more: one simple query).

    A connection that fails here is invalidated (never returned half-begun).
    """
    connection = await engine.connect()
    try:
        pooled = await connection.get_raw_connection()
        held = Held(connection, pooled, pooled.driver_connection)
        if first is not None:
            await fetch(held, first, None)
    except BaseException:
        await drop(connection)
        raise
    return held


async def begin(engine: AsyncEngine, sql: str) -> Held:
    """A connection in a transaction begun by ``sql`` (``BEGIN; …``), sent in one round trip."""
    return await checkout(engine, sql)


async def drop(connection: AsyncConnection) -> None:
    """Invalidate ``connection`` (it may be mid-protocol or mid-transaction) and hand it back."""
    await connection.invalidate()
    await connection.close()


async def fetch(held: Held, sql: str, arguments: list[Any] | None) -> list[Any]:
    """Run ``sql`` on the raw connection; driver errors come back as SQLAlchemy's.

    ``arguments=None`` sends a simple-protocol query (several commands, no parameters).
    Errors are wrapped like SQLAlchemy wraps them, so callers tell a database that went away
    from a statement that is wrong the same way for both paths; a lost connection also
    invalidates the pool, as SQLAlchemy does, so a retry connects afresh.
    """
    try:
        if arguments is None:
            await held.driver.execute(sql)
            return []
        return list(await held.driver.fetch(sql, *arguments))
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        lost = held.driver.is_closed() or isinstance(
            exc, (asyncpg.ConnectionDoesNotExistError, asyncpg.InterfaceError)
        )
        if lost:
            # Every pooled connection from before a restart is as dead: recycle them all.
            held.connection.sync_engine.pool._invalidate(held.pooled, exc)
        raise DBAPIError(sql, None, exc, connection_invalidated=lost) from exc


async def discard(held: Held, end: str | None = "ROLLBACK") -> bool:
    """Send ``end`` (``ROLLBACK``; None: nothing) and return the connection to the pool.

    True when ``end`` was sent and accepted. A dead connection, or one whose ``end`` fails, is
    invalidated instead: never returned to the pool mid-transaction.
    """
    sent = False
    try:
        if held.driver.is_closed():
            await held.connection.invalidate()
        else:
            if end is not None:
                await held.driver.execute(end)
            sent = True
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError) as exc:
        log.debug("ending a transaction failed: %s", type(exc).__name__)
        await held.connection.invalidate()
    except BaseException:
        await drop(held.connection)
        raise
    try:
        await held.connection.close()
    except (DBAPIError, OSError, TimeoutError) as exc:
        log.debug("closing a connection failed: %s", type(exc).__name__)
    return sent
