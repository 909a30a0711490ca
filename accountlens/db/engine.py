"""Engines and session factories, and where the database comes from.

With ``DATABASE_URL`` set we connect to that server and start nothing. Without it we start the
embedded PostgreSQL in the data folder, create the ``accountlens`` database if needed, and hand
back a :class:`Database` that stops the server again on :meth:`Database.close`.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
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
from accountlens.db.replica import ReplicaRoute
from accountlens.db.row_security import APP_ROLE, ensure_login_role
from accountlens.db.tls import split_tls_parameters

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "accountlens"
#: Statements asyncpg keeps prepared per connection, by size (see :func:`connection_arguments`).
MAX_CACHEABLE_STATEMENT = 128 * 1024


def async_url(raw: str) -> URL:
    """Normalise ``postgres://`` / ``postgresql://`` URLs to the asyncpg driver."""
    url = make_url(raw)
    if url.drivername in ("postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"):
        url = url.set(drivername="postgresql+asyncpg")
    return url


#: ``ACCOUNTLENS_DB_POOLER``: what sits between the app and PostgreSQL.
Pooler = Literal["none", "transaction"]


def _unnamed_statement() -> str:
    # asyncpg parses an unnamed statement again with each execution when its statement cache
    # is off, so no statement outlives the transaction that a pooler gave us a server for.
    return ""


def connection_arguments(
    url: URL | str,
    *,
    statement_timeout_ms: int = 15_000,
    pooler: Pooler = "none",
    connect_timeout_s: float = 5,
) -> tuple[URL, dict[str, Any]]:
    """The URL SQLAlchemy may see and the driver arguments that go with it (see below)."""
    url, tls_args = split_tls_parameters(make_url(url) if isinstance(url, str) else url)
    server_settings = {"application_name": "accountlens"}
    connect_args: dict[str, Any] = {
        "timeout": connect_timeout_s,
        # A client-side backstop to the server's timeout: also bounds a server that froze.
        "command_timeout": statement_timeout_ms / 1000 + 5 if statement_timeout_ms else None,
        "server_settings": server_settings,
        **tls_args,
    }
    if pooler == "transaction":
        connect_args["statement_cache_size"] = 0
        connect_args["prepared_statement_cache_size"] = 0
        connect_args["prepared_statement_name_func"] = _unnamed_statement
    else:
        # asyncpg prepares a statement once per connection only up to this size (15 KiB by
        # default); keyword search over every type, which reads its hits' records too, is one
        # 58–76 KiB statement (an admin's, a team member's), which would otherwise be parsed
        # afresh, one more round trip, on every call.
        connect_args["max_cacheable_statement_size"] = MAX_CACHEABLE_STATEMENT
        if statement_timeout_ms:
            server_settings["statement_timeout"] = str(statement_timeout_ms)
    return url, connect_args


def create_engine(
    url: URL | str,
    *,
    pool_size: int = 10,
    statement_timeout_ms: int = 15_000,
    pooler: Pooler = "none",
    connect_timeout_s: float = 5,
    extra_connect_args: dict[str, Any] | None = None,
) -> AsyncEngine:
    """An asyncpg engine with bounded pool waits and a statement timeout.

    ``statement_timeout_ms=0`` means no limit (the owner's engine: migrations run long). The
    URL may carry libpq TLS parameters (``sslmode=verify-full&sslrootcert=…``,
    :mod:`accountlens.db.tls`). With ``pooler="transaction"`` (PgBouncer in transaction mode)
    the connection sends no startup settings PgBouncer would refuse (the server-side timeout
    then comes from the role, see :func:`~accountlens.db.row_security.set_role_statement_timeout`)
    and uses no named prepared statements, which another client's transaction would not find.
    """
    url, connect_args = connection_arguments(
        url,
        statement_timeout_ms=statement_timeout_ms,
        pooler=pooler,
        connect_timeout_s=connect_timeout_s,
    )
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=5,
        # No pre-ping: with asyncpg it costs three round trips per checkout, and we check out
        # once per statement. A connection that died with the server fails its statement
        # instead; SQLAlchemy then invalidates the whole pool, and the reader retries once.
        pool_pre_ping=False,
        # The connection handed back last goes out first. Each connection keeps its own
        # prepared statements (asyncpg's cache), and a first use of a statement on a connection
        # is one more round trip (Parse/Describe): first in, first out would rotate requests
        # that come one after another over every idle connection, each preparing every
        # statement anew (issue 12: a member's call measured at twice its round trips once a
        # statement with settings of its own had opened a second connection). Last in, first
        # out keeps them on the warm one, and lets the others idle out.
        pool_use_lifo=True,
        connect_args=connect_args | (extra_connect_args or {}),
        json_deserializer=json_value,
    )


def json_value(text: str | bytes) -> Any:
    """A JSON or JSONB value read from the database, as Python.

    Every read decodes its JSONB columns with this (the driver's codec calls it: custom fields,
    whole records, ~50 values for a page of 25 accounts); orjson does it several times faster
    than ``json``. orjson reads an integer past 64 bits as a float, so a value with a run of 19
    or more digits anywhere (PostgreSQL prints large JSONB numbers in full) goes through the
    standard library, which keeps it exact.
    """
    raw = text if isinstance(text, str) else text.decode()
    if _LONG_DIGITS.search(raw) is None:
        return orjson.loads(raw)
    return json.loads(raw)


#: A number orjson might not read exactly (or a long digit string, which is harmless).
_LONG_DIGITS = re.compile(r"\d{19}")


@dataclass
class Database:
    """The app's engines and session factories, plus the embedded server when we started one.

    ``engine`` and ``read_engine`` connect as the app role, which row-level security binds;
    ``owner_engine`` (when configured) connects as the role that owns the schema, for
    migrations, grants, demo builds and imports. Without one, ``engine`` does that work too.
    """

    engine: AsyncEngine
    read_engine: AsyncEngine
    embedded: EmbeddedServer | None = None
    owner_engine: AsyncEngine | None = None
    #: Set on the app role by :func:`~accountlens.db.migrate.prepare_database`, so that it holds
    #: behind a pooler too (which refuses it as a connection parameter).
    statement_timeout_ms: int = 15_000
    #: Where the read pool connects when ``read_engine`` is a replica (fallback to the primary).
    replica: ReplicaRoute | None = None
    sessions: async_sessionmaker[AsyncSession] = field(init=False)
    read_sessions: async_sessionmaker[AsyncSession] = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = async_sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def url(self) -> URL:
        return self.engine.url

    @property
    def owner(self) -> AsyncEngine:
        """The engine that owns the schema (the app engine when no owner is configured)."""
        return self.owner_engine or self.engine

    async def ping(self) -> None:
        """Raise if the database does not answer a trivial query."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def replica_status(self) -> str | None:
        """``up`` or ``down`` (reads then go to the primary); None without a read replica."""
        if self.replica is None:
            return None
        return "up" if await self.replica.check() else "down"

    async def close(self, *, stop_embedded: bool = True) -> None:
        if self.replica is not None:
            await self.replica.close()
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
        if self.owner_engine is not None:
            await self.owner_engine.dispose()
        if self.embedded is not None and stop_embedded:
            self.embedded.stop()


def resolve_database_url(settings: Settings) -> tuple[URL, EmbeddedServer | None]:
    """The owner's URL on the embedded server, started when no ``DATABASE_URL`` is configured.

    With ``DATABASE_URL`` set, that URL (the app role's) and no server.
    """
    if settings.database_url is not None:
        return async_url(settings.database_url.get_secret_value()), None
    server = start_embedded(settings.pgdata_dir)
    return make_url(server.url(EMBEDDED_DATABASE)), server


def embedded_app_url(owner_url: URL) -> URL:
    """The same embedded database as the app role (socket ``trust`` auth: no password)."""
    return owner_url.set(username=APP_ROLE, password=None)


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
            await ensure_login_role(admin, APP_ROLE)
    finally:
        await admin.dispose()


def pin_database(settings: Settings) -> tuple[Settings, EmbeddedServer | None]:
    """Settings whose database URLs name a running server, and the embedded one if started here.

    With ``DATABASE_URL`` configured, ``settings`` unchanged. Otherwise the embedded server is
    started (its database and app role created when missing) and the settings name it: the app
    role in ``database_url``, the superuser in ``database_owner_url``. Child processes (uvicorn
    workers, the benchmark's server) inherit those and never start a second server.
    """
    import asyncio

    from pydantic import SecretStr

    owner_url, embedded = resolve_database_url(settings)
    if embedded is None:
        return settings, None
    asyncio.run(create_database_if_missing(owner_url))
    pinned = {
        "database_url": SecretStr(embedded_app_url(owner_url).render_as_string(False)),
        "database_owner_url": SecretStr(owner_url.render_as_string(False)),
    }
    return settings.model_copy(update=pinned), embedded


async def open_database(settings: Settings) -> Database:
    """Connect (starting the embedded server if needed) without touching the schema.

    On the embedded server the app connects as :data:`~accountlens.db.row_security.APP_ROLE`
    and the superuser is the owner. Elsewhere ``DATABASE_URL`` is the app role and
    ``DATABASE_OWNER_URL``, when set, the owner.
    """
    url, embedded = resolve_database_url(settings)
    owner_url: URL | None = None
    if embedded is not None:
        await create_database_if_missing(url)
        owner_url, url = url, embedded_app_url(url)
    elif settings.database_owner_url is not None:
        owner_url = async_url(settings.database_owner_url.get_secret_value())
    engine = create_engine(
        url,
        pool_size=settings.db_pool_size,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        pooler=settings.db_pooler,
    )
    owner_engine = None
    if owner_url is not None:
        # Migrations and imports may run long: no statement timeout, a small pool.
        owner_engine = create_engine(owner_url, pool_size=2, statement_timeout_ms=0)
    read_engine, replica = engine, None
    if settings.database_read_url is not None:
        read_engine, replica = _replica_engine(url, settings)
    return Database(
        engine=engine,
        read_engine=read_engine,
        embedded=embedded,
        owner_engine=owner_engine,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        replica=replica,
    )


def _replica_engine(primary: URL, settings: Settings) -> tuple[AsyncEngine, ReplicaRoute]:
    """The read engine on ``DATABASE_READ_URL``, whose connections fall back to ``primary``."""
    assert settings.database_read_url is not None
    primary_url, primary_args = connection_arguments(
        primary, statement_timeout_ms=settings.db_statement_timeout_ms, pooler=settings.db_pooler
    )
    dialect = create_async_engine(primary_url).sync_engine.dialect  # connects nowhere
    _, primary_params = dialect.create_connect_args(primary_url)
    route = ReplicaRoute({**primary_params, **primary_args})
    engine = create_engine(
        async_url(settings.database_read_url.get_secret_value()),
        pool_size=settings.db_pool_size,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        pooler=settings.db_pooler,
        extra_connect_args={"async_creator_fn": route.connect},
    )
    route.attach(engine)
    return engine, route
