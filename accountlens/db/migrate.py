"""Apply Alembic migrations programmatically, through our own async engine."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from accountlens.db.engine import Database
from accountlens.db.row_security import (
    grant_app_role,
    row_security_enforced,
    set_role_statement_timeout,
    trust_search_functions,
)
from accountlens.db.schema_lock import SCHEMA_LOCK, hold_schema_lock

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


#: Key of the advisory lock that serialises migrations and grants (``db/schema_lock.py``).
MIGRATION_LOCK = SCHEMA_LOCK


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent).

    Replicas starting together each call this: an advisory lock makes the second wait for the
    first and then find nothing left to do, instead of racing it through the same migration.
    """

    def _run(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with engine.begin() as conn:
        await hold_schema_lock(conn)
        await conn.run_sync(_run)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    def _run(connection: Connection) -> None:
        command.downgrade(alembic_config(connection), revision)

    async with engine.begin() as conn:
        await conn.run_sync(_run)


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def _run(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(_run)


async def prepare_database(db: Database, *, starting_server: bool = False) -> None:
    """Migrate as the owner, grant the app role its privileges, and say if RLS is bypassed.

    Run once per start (``serve``, ``migrate``, the app's lifespan when it opens the database,
    operator commands). The slower-search warning is for a server starting with row-level
    security in force (``starting_server``): operator commands do not search, and without
    RLS the functions' marking changes no plan.
    """
    await upgrade(db.owner)
    if db.owner_engine is not None:
        role = db.engine.url.username
        if role and role != db.owner_engine.url.username:
            await grant_app_role(db.owner_engine, role)
            await set_role_statement_timeout(db.owner_engine, role, db.statement_timeout_ms)
    trusted = await trust_search_functions(db.owner)
    enforced = await row_security_enforced(db.engine)
    if not trusted and enforced and starting_server:
        log.warning(
            "the schema owner is not a superuser, so search functions cannot be marked "
            "LEAKPROOF: under row-level security keyword search scans instead of using its "
            "trigram indexes (docs/operations.md, 'PostgreSQL of your own')"
        )
    if not enforced:
        log.warning(
            "row-level security does not bind the database role %r (it owns the tables or "
            "bypasses RLS); set ACCOUNTLENS_DATABASE_OWNER_URL and connect the app as a "
            "non-owner role (docs/operations.md)",
            db.engine.url.username,
        )
