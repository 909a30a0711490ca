"""Fixtures for the fuzz tests: the visibility oracle over the demo workspace, and a live server.

The live server runs on its own copy of the demo workspace (tool calls write audit rows and
connections; ``demo_db`` stays read-only), with a rate limit high enough that a few hundred
fuzzed calls a minute are never refused for their number. Every demo user of both orgs can
connect (the real OAuth flow through the SDK, once per user, on first use).

How many examples each property ran (``tests.security.strategies.EXAMPLES``) is printed at the
end of the run by the root ``tests/conftest.py`` (the one conftest that an xdist controller, which
collects nothing, loads too), so CI logs show the fuzzing that actually happened.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from accountlens.app import create_app
from accountlens.auth.principal import Principal
from accountlens.db.embedded import EmbeddedServer
from accountlens.db.engine import Database
from accountlens.ingest.embeddings import get_local_embedder
from tests.auth.helpers import settings_for
from tests.auth.live import free_port
from tests.conftest import demo_copy
from tests.mcp.live import Persona, serve_with_lifespan
from tests.schema.helpers import execute
from tests.security.oracle import Oracle, build_oracle
from tests.security.strategies import Pools, column_samples

COPY = "al_security_demo"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def oracle(demo_db: Database) -> Oracle:
    return await build_oracle(demo_db)


#: Python types of raw column values -> the catalog's data types (for types the catalog omits).
_DATA_TYPES = {
    str: "string", int: "integer", Decimal: "number", bool: "boolean",
    datetime.datetime: "datetime", datetime.date: "date", uuid.UUID: "reference",
}  # fmt: skip


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def pools(demo_db: Database, oracle: Oracle) -> Pools:
    """Filter fields of every type with their data types (both orgs' custom fields too),
    names and column values of either org, custom object type keys."""
    types: dict[str, dict[str, str]] = {}
    query = "query($t: String!) { properties(objectType: $t) { filterField dataType } }"
    for org in sorted({p.org_id for p in oracle.principals}):
        admin = oracle.admin_of(org)
        for type_key in ("account", "person", "opportunity", "task", "activity", "project",
                         "ticket"):  # fmt: skip
            data, errors = await execute(demo_db, admin, query, t=type_key)
            assert not errors, errors
            assert data is not None
            found = {p["filterField"]: p["dataType"] for p in data["properties"]}
            types.setdefault(type_key, {}).update(found)
    tables = {"document": "documents", "user": "users", "team": "teams", "group": "groups"}
    for type_key, table in tables.items():
        first = oracle.snap.tables[table][0]
        types[type_key] = {
            column: _DATA_TYPES.get(type(value), "string")
            for column, value in first.items()
            if column not in ("custom", "org_id")
        }
    named = ("account", "person", "opportunity", "group", "user", "team", "project",
             "custom_object", "document")  # fmt: skip
    return Pools(
        oracle=oracle,
        fields={key: sorted(fields) for key, fields in types.items()},
        field_types=types,
        column_values=column_samples(oracle),
        names=sorted({n for (key, _), n in oracle.names.items() if key in named and n}),
        custom_types=sorted({r["key"] for r in oracle.snap.tables["custom_object_types"]}),
    )


@dataclass
class FuzzServer:
    """The whole app under uvicorn, and a connected persona per demo user (made on first use)."""

    base_url: str
    db: Database
    http: httpx.AsyncClient
    personas: dict[str, Persona] = field(default_factory=dict)

    async def persona(self, who: Principal) -> Persona:
        if who.email not in self.personas:
            persona = Persona(self.base_url, who.email, who.role)
            self.personas[who.email] = await persona.connect()
        return self.personas[who.email]

    async def audit_rows(self, expected: int | None = None) -> int:
        """Rows in the tool-call audit log (written in the background: with ``expected``, wait
        up to ten seconds for that many)."""
        for _ in range(100):
            async with self.db.engine.connect() as conn:
                count = int(
                    (await conn.execute(text("SELECT count(*) FROM mcp_tool_calls"))).scalar_one()
                )
            if expected is None or count >= expected:
                return count
            await asyncio.sleep(0.1)
        return count

    async def rpc(
        self, token: str | None, body: Any, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """One raw POST to ``/mcp`` (a JSON value, or bytes sent as they are)."""
        sent = {
            "accept": "application/json, text/event-stream",
            "content-type": "application/json",
            "mcp-protocol-version": "2025-11-25",
        }
        if token is not None:
            sent["authorization"] = f"Bearer {token}"
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return await self.http.post("/mcp", content=content, headers=sent | (headers or {}))


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def fuzz_db(
    pg_server: EmbeddedServer, admin_engine: AsyncEngine, demo_db: Database
) -> AsyncIterator[Database]:
    """A writable copy of the demo workspace (tool calls write audit rows and connections)."""
    async with demo_copy(pg_server, admin_engine, demo_db, COPY) as db:
        yield db


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def fuzz_server(fuzz_db: Database) -> AsyncIterator[FuzzServer]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = settings_for(base_url).model_copy(update={"mcp_rate_limit_per_minute": 100_000})
    app = create_app(settings, database=fuzz_db)
    app.state.embedder = get_local_embedder()
    async with (
        serve_with_lifespan(app, port),
        httpx.AsyncClient(base_url=base_url, timeout=30) as http,
    ):
        yield FuzzServer(base_url, fuzz_db, http)


@pytest.fixture(scope="session")
def embedder() -> Any:
    return get_local_embedder()
