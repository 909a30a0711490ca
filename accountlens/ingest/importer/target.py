"""Where an import writes: the database, or (``--dry-run``) one transaction that is rolled back.

A dry run has to do everything a real run does (later files resolve references to the rows of
earlier ones, natural keys collide with rows written a file before), so it really writes, but
inside a single transaction that is never committed. Each file's writes run in a savepoint, so
a file the database refuses is undone alone, exactly as its own transaction would be.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


class ImportTarget:
    """Hands out connections for reading (``connect``) and for one file's writes (``begin``)."""

    def __init__(self, engine: AsyncEngine, held: AsyncConnection | None = None) -> None:
        self.engine = engine
        self._held = held

    @property
    def dry_run(self) -> bool:
        return self._held is not None

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        if self._held is not None:
            yield self._held
            return
        async with self.engine.connect() as conn:
            yield conn

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        if self._held is not None:
            async with self._held.begin_nested():
                yield self._held
            return
        async with self.engine.begin() as conn:
            yield conn


@asynccontextmanager
async def open_target(engine: AsyncEngine, *, dry_run: bool) -> AsyncIterator[ImportTarget]:
    """The target of one import run; with ``dry_run`` everything is rolled back at the end."""
    if not dry_run:
        yield ImportTarget(engine)
        return
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            yield ImportTarget(engine, conn)
        finally:
            await transaction.rollback()
