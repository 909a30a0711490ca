"""Shared fixtures: one embedded PostgreSQL per test session, a fresh database per test.

The server starts once (about 2 s). Migrations run once into a template database; each test that
writes gets its own copy (``CREATE DATABASE … TEMPLATE``, a fraction of a second) and it is
dropped afterwards. Read-only tests share ``demo_db``, the small demo workspace built once.

A test :class:`Database` reads customer data as the app role, so row-level security applies to
every resolver under test exactly as in production, while ``create_*`` helpers and the demo
build write through ``engine``, the owner (the app role may not write customer tables).
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from accountlens.auth import passwords
from accountlens.db.embedded import EmbeddedServer, start_embedded
from accountlens.db.engine import Database, create_engine
from accountlens.db.migrate import upgrade
from accountlens.db.row_security import (
    APP_ROLE,
    ensure_login_role,
    grant_app_role,
    trust_search_functions,
)
from tests.auth.helpers import People, build_app, client_for, create_people
from tests.db.servers import THROWAWAY
from tests.security.strategies import EXAMPLES

# Tests only: argon2id at its cheapest cost. Production keeps argon2-cffi's RFC 9106 defaults
# (tests/auth/test_passwords.py checks them); at those, the people fixtures of every auth and web
# test hashed four passwords at about 60 ms each, a large share of the suite for nothing. Servers
# that tests start as separate processes still hash at full cost.
passwords._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

TEMPLATE = "al_template"
DEMO = "al_demo"
DEMO_SEED = 7


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The Citus test first: it takes minutes, and under xdist (``dev.py test``) the other
    worker runs the rest meanwhile instead of waiting for it at the end."""
    items.sort(key=lambda item: item.get_closest_marker("citus") is None)  # stable


# How many examples each fuzzed property ran (tests/security), printed at the end of the run.
# Under xdist each worker counts its own and hands them to the controller, which adds them up:
# these hooks live here because the controller collects nothing and loads only this conftest.
def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker
        workeroutput["fuzz_examples"] = dict(EXAMPLES)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    EXAMPLES.update(getattr(node, "workeroutput", {}).get("fuzz_examples", {}))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if EXAMPLES:
        terminalreporter.section("security fuzzing: examples run per property")
        for name, count in sorted(EXAMPLES.items()):
            terminalreporter.write_line(f"{count:5d}  {name}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[EmbeddedServer]:
    # A short path: Unix socket paths are limited to ~107 bytes.
    base = Path(tempfile.mkdtemp(prefix="alpg-", dir="/tmp"))
    server = start_embedded(base / "pgdata", settings=THROWAWAY)  # no fsync: see THROWAWAY
    yield server
    server.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def admin_engine(pg_server: EmbeddedServer) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(pg_server.url("postgres"), isolation_level="AUTOCOMMIT")
    yield engine
    await engine.dispose()


async def create_database(admin: AsyncEngine, name: str, template: str | None = None) -> None:
    async with admin.connect() as conn:
        # FILE_COPY copies the template's files instead of writing every page to the WAL
        # (the default): with fsync off (THROWAWAY) about a third of the time per test database.
        suffix = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
        await conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))


async def drop_database(admin: AsyncEngine, name: str) -> None:
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def database_for(server: EmbeddedServer, name: str) -> Database:
    """Writes (fixtures, auth) as the owner; customer-data reads as the RLS-bound app role."""
    engine = create_engine(make_url(server.url(name)), pool_size=5)
    reader = create_engine(make_url(server.url(name, user=APP_ROLE)), pool_size=5)
    return Database(engine=engine, read_engine=reader)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def template_db(pg_server: EmbeddedServer, admin_engine: AsyncEngine) -> str:
    """A migrated, empty database that other databases are copied from."""
    await create_database(admin_engine, TEMPLATE)
    await ensure_login_role(admin_engine, APP_ROLE)
    engine = create_engine(make_url(pg_server.url(TEMPLATE)))
    await upgrade(engine)
    await grant_app_role(engine, APP_ROLE)  # copies carry the grants
    await trust_search_functions(engine)
    await engine.dispose()
    return TEMPLATE


@pytest_asyncio.fixture(loop_scope="session")
async def fresh_db(
    pg_server: EmbeddedServer, admin_engine: AsyncEngine, template_db: str
) -> AsyncIterator[Database]:
    """A migrated, empty database of this test's own."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    await create_database(admin_engine, name, template=template_db)
    db = database_for(pg_server, name)
    yield db
    await db.close(stop_embedded=False)
    await drop_database(admin_engine, name)


@asynccontextmanager
async def demo_copy(
    server: EmbeddedServer, admin: AsyncEngine, demo: Database, name: str
) -> AsyncIterator[Database]:
    """A writable copy of the demo workspace named ``name``, dropped afterwards.

    A template may have no open connections, so ``demo``'s pools (owner and app role) are
    emptied first; they reconnect on their next use.
    """
    await demo.engine.dispose()
    await demo.read_engine.dispose()
    await create_database(admin, name, template=DEMO)
    db = database_for(server, name)
    try:
        yield db
    finally:
        await db.close(stop_embedded=False)
        await drop_database(admin, name)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def demo_db(
    pg_server: EmbeddedServer, admin_engine: AsyncEngine, template_db: str
) -> AsyncIterator[Database]:
    """The small demo workspace, built once per session. Tests must not write to it."""
    from accountlens.ingest.demo import build_demo
    from accountlens.ingest.embeddings import get_local_embedder

    await create_database(admin_engine, DEMO, template=template_db)
    db = database_for(pg_server, DEMO)
    await build_demo(db.engine, scale="small", seed=DEMO_SEED, embedder=get_local_embedder())
    yield db
    await db.close(stop_embedded=False)


# The auth and web tests' fixtures (one copy for both folders): a fresh database with two orgs
# and their people, the app on it, and an HTTP client for it.
@pytest_asyncio.fixture(loop_scope="session")
async def people(fresh_db: Database) -> People:
    return await create_people(fresh_db)


@pytest_asyncio.fixture(loop_scope="session")
async def app(fresh_db: Database, people: People) -> FastAPI:
    return build_app(fresh_db, "http://127.0.0.1:8000")


@pytest_asyncio.fixture(loop_scope="session")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        yield http
