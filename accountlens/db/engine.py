"""Engines and session factories, and where the database comes from.

With ``DATABASE_URL`` set we connect to that server and start nothing. Without it we start the
embedded PostgreSQL in the data folder, create the ``accountlens`` database if needed, and hand
back a :class:`Database` that stops the server again on :meth:`Database.close`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from accountlens.config import Settings
from accountlens.db.embedded import EmbeddedServer, start_embedded

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "accountlens"


def async_url(raw: str) -> URL:
    """Normalise ``postgres://`` / ``postgresql://`` URLs to the asyncpg driver."""
    url = make_url(raw)
    if url.drivername in ("postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"):
        url = url.set(drivername="postgresql+asyncpg")
    return url


def create_engine(
    url: URL | str, *, pool_size: int = 10, statement_timeout_ms: int = 15_000
) -> AsyncEngine:
    """An asyncpg engine with bounded pool waits and a server-side statement timeout."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=5,
        pool_pre_ping=True,
        connect_args={
            "timeout": 5,
            "command_timeout": statement_timeout_ms / 1000 + 5,
            "server_settings": {
                "statement_timeout": str(statement_timeout_ms),
                "application_name": "accountlens",
            },
        },
    )


@dataclass
class Database:
    """The app's engines and session factory, plus the embedded server when we started one."""

    engine: AsyncEngine
    read_engine: AsyncEngine
    embedded: EmbeddedServer | None = None
    sessions: async_sessionmaker[AsyncSession] = field(init=False)
    read_sessions: async_sessionmaker[AsyncSession] = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def url(self) -> URL:
        return self.engine.url

    async def ping(self) -> None:
        """Raise if the database does not answer a trivial query."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self, *, stop_embedded: bool = True) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
        if self.embedded is not None and stop_embedded:
            self.embedded.stop()


def resolve_database_url(settings: Settings) -> tuple[URL, EmbeddedServer | None]:
    """The URL to use, starting the embedded server when none is configured."""
    if settings.database_url is not None:
        return async_url(settings.database_url.get_secret_value()), None
    server = start_embedded(settings.pgdata_dir)
    return make_url(server.url(EMBEDDED_DATABASE)), server


async def create_database_if_missing(url: URL) -> None:
    """Create the target database through the server's ``postgres`` database (embedded only)."""
    admin = create_async_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            exists = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            )
            if not exists:
                log.info("creating database %s", url.database)
                await conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    finally:
        await admin.dispose()


async def open_database(settings: Settings) -> Database:
    """Connect (starting the embedded server if needed) without touching the schema."""
    url, embedded = resolve_database_url(settings)
    if embedded is not None:
        await create_database_if_missing(url)
    engine = create_engine(
        url, pool_size=settings.db_pool_size, statement_timeout_ms=settings.db_statement_timeout_ms
    )
    read_engine = engine
    if settings.database_read_url is not None:
        read_engine = create_engine(
            async_url(settings.database_read_url.get_secret_value()),
            pool_size=settings.db_pool_size,
            statement_timeout_ms=settings.db_statement_timeout_ms,
        )
    return Database(engine=engine, read_engine=read_engine, embedded=embedded)
