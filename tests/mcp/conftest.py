"""One live server for the MCP tests, on a private copy of the demo workspace.

The copy matters: tool calls write audit rows and connections, and ``demo_db`` is shared
read-only by the rest of the suite. Personas connect once (the OAuth flow) and are reused.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from accountlens.app import create_app
from accountlens.db.embedded import EmbeddedServer
from accountlens.db.engine import Database
from accountlens.ingest.embeddings import get_local_embedder
from tests.auth.helpers import settings_for
from tests.auth.live import free_port
from tests.conftest import demo_copy
from tests.mcp.live import Persona, serve_with_lifespan
from tests.schema.demo import DEMO_USERS

COPY = "al_mcp_demo"


@dataclass
class Live:
    app: FastAPI
    base_url: str
    db: Database
    personas: dict[str, Persona]

    async def persona(self, label: str) -> Persona:
        """The demo user ``label`` (see ``tests.schema.demo.DEMO_USERS``), connected once."""
        if label not in self.personas:
            email = DEMO_USERS[label]
            role = "admin" if "admin" in label else "member"
            self.personas[label] = await Persona(self.base_url, email, role).connect()
        return self.personas[label]


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def mcp_demo_db(
    pg_server: EmbeddedServer, admin_engine: AsyncEngine, demo_db: Database
) -> AsyncIterator[Database]:
    """A writable copy of the demo workspace (tool calls write audit rows and connections)."""
    async with demo_copy(pg_server, admin_engine, demo_db, COPY) as db:
        yield db


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def live(mcp_demo_db: Database) -> AsyncIterator[Live]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    app = create_app(settings_for(base_url), database=mcp_demo_db)
    app.state.embedder = get_local_embedder()
    async with serve_with_lifespan(app, port):
        yield Live(app, base_url, mcp_demo_db, {})
