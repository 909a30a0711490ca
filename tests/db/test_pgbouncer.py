"""The app behind PgBouncer in transaction mode, as docs/operations.md recommends.

Debian's PgBouncer runs here on loopback in front of the session's PostgreSQL with a server pool
far smaller than the app's, so server connections change hands between the app's transactions
all the time: a startup parameter PgBouncer does not know, or a named prepared statement that
outlives its transaction, shows up as refused connections or failed calls.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from pydantic import SecretStr
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine

from accountlens.app import create_app
from accountlens.auth import tokens
from accountlens.db.embedded import EmbeddedServer
from accountlens.db.engine import Database, create_engine, open_database
from accountlens.db.migrate import prepare_database
from accountlens.db.row_security import APP_ROLE
from accountlens.ingest.embeddings import get_local_embedder
from tests.auth.helpers import settings_for
from tests.conftest import demo_copy
from tests.db.servers import as_service_user, free_port, private_folder
from tests.mcp.live import Persona, call, post_mcp, serve_with_lifespan, tool_call

PGBOUNCER = Path("/usr/sbin/pgbouncer")
COPY = "al_bouncer_demo"
CLIENTS = 8
CALLS_PER_CLIENT = 6

#: A cheap mix plus the calls that use the driver's less common paths (vectors, JSON, arrays).
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("whoami", {}),
    ("list_objects", {"object_type": "account", "limit": 10}),
    ("search_objects", {"query": "Acme Crop", "types": ["account"]}),
    (
        "list_objects",
        {
            "object_type": "opportunity",
            "filters": [{"field": "stage_category", "op": "eq", "value": "open"}],
        },
    ),
    ("semantic_search", {"query": "unhappy about reporting outages", "limit": 3}),
    ("search_properties", {"object_type": "account", "query": "health"}),
]


@pytest.fixture(scope="module")
def bouncer(pg_server: EmbeddedServer) -> Iterator[int]:
    """PgBouncer in transaction mode on a loopback port, 3 server connections per database."""
    if not PGBOUNCER.exists():
        pytest.fail("needs Debian's PgBouncer: apt-get install pgbouncer")
    folder = private_folder("albouncer-")
    port = free_port()
    (folder / "users.txt").write_text(f'"{APP_ROLE}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={pg_server.socket_dir} port={pg_server.port}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {folder / 'users.txt'}\n"
        "pool_mode = transaction\ndefault_pool_size = 3\nmax_client_conn = 500\n"
        # Deliberately no ignore_startup_parameters: the app must send none PgBouncer refuses.
        f"logfile = {folder / 'pgbouncer.log'}\n"
    )
    if (owner := as_service_user()) is not None:
        shutil.chown(folder / "users.txt", owner)
    # PgBouncer refuses to run as root; it runs as the same unprivileged user as the servers.
    process = subprocess.Popen(
        [str(PGBOUNCER), str(folder / "pgbouncer.ini")], user=as_service_user()
    )
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def pooled_db(
    pg_server: EmbeddedServer, admin_engine: AsyncEngine, demo_db: Database, bouncer: int
) -> AsyncIterator[Database]:
    """The demo workspace, the app role through PgBouncer and the owner directly."""
    async with demo_copy(pg_server, admin_engine, demo_db, COPY) as direct:
        await direct.close(stop_embedded=False)
        owner = make_url(pg_server.url(COPY))
        pooled = f"postgresql://{APP_ROLE}@127.0.0.1:{bouncer}/{COPY}"
        settings = settings_for("http://127.0.0.1:1").model_copy(
            update={
                "database_url": SecretStr(pooled),
                "database_owner_url": SecretStr(owner.render_as_string(False)),
                "db_pooler": "transaction",
            }
        )
        db = await open_database(settings)
        await prepare_database(db)  # as `serve` does before it starts
        yield db
        await db.close()


async def test_mcp_calls_through_pgbouncer_in_transaction_mode_all_succeed(
    pooled_db: Database,
) -> None:
    # given the whole app on a database it reaches through PgBouncer in transaction mode
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    app = create_app(settings_for(base_url), database=pooled_db)
    app.state.embedder = get_local_embedder()
    async with serve_with_lifespan(app, port):
        admin = await Persona(base_url, "ada@northwind.example", "admin").connect()
        member = await Persona(base_url, "grace@northwind.example", "member").connect()

        # when 8 MCP clients call tools at once
        async def client(persona: Persona) -> int:
            done = 0
            async with persona.client() as session:
                for tool, arguments in CALLS[:CALLS_PER_CLIENT]:
                    await call(session, tool, arguments)
                    done += 1
            return done

        personas = [admin, member] * (CLIENTS // 2)
        results = await asyncio.gather(*(client(p) for p in personas), return_exceptions=True)

    # then every call succeeds
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    assert sum(r for r in results if isinstance(r, int)) == CLIENTS * CALLS_PER_CLIENT


async def test_behind_pgbouncer_the_statement_timeout_still_holds(pooled_db: Database) -> None:
    # PgBouncer refuses statement_timeout as a connection parameter, so it is the role's own
    # setting: a runaway statement is still stopped by the server.
    async with pooled_db.engine.connect() as conn:
        shown = await conn.scalar(text("SHOW statement_timeout"))
    assert shown == "15s"


async def test_a_503_names_its_cause_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    # given the app on a database address where nothing listens
    closed, port = free_port(), free_port()
    engine = create_engine(f"postgresql+asyncpg://{APP_ROLE}@127.0.0.1:{closed}/nowhere")
    db = Database(engine=engine, read_engine=engine)
    base_url = f"http://127.0.0.1:{port}"
    app = create_app(settings_for(base_url), database=db)
    token = tokens.issue(tokens.ACCESS_TOKEN_PREFIX, b"k" * 32, uuid.uuid4()).value
    # when an MCP client calls with a well-formed token
    async with serve_with_lifespan(app, port):
        answer = await post_mcp(base_url, token, tool_call("whoami", {}))
    await engine.dispose()
    # then it is told to retry, and the operator's log says why
    assert answer.status_code == 503
    refused = [
        r.getMessage()
        for r in caplog.records
        if "request refused: the database is unavailable" in r.getMessage()
    ]
    assert refused, caplog.text
    assert "Connect call failed" in refused[0]
    assert token not in caplog.text
