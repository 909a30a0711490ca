"""Acceptance 2 of issue 11: the official TypeScript SDK clients, the newest 1.x
(``@modelcontextprotocol/sdk``) and 2.x (``@modelcontextprotocol/client``), go through the whole
MCP OAuth flow against a live server and call all twelve tools, beside the Python SDK test.

The packages are installed by the test itself with npm into a cache folder outside the source
tree (see ``tests/tools/npm.py``), once; our driver is ``tests/auth/ts_sdk_client.mjs``.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from accountlens.db.embedded import EmbeddedServer
from accountlens.db.engine import Database
from accountlens.ingest.embeddings import get_local_embedder
from tests.auth.helpers import settings_for
from tests.auth.live import free_port, serve
from tests.conftest import demo_copy
from tests.mcp.test_tool_calls import ADMIN, valid_calls
from tests.schema.demo import demo_principal
from tests.schema.helpers import data_of
from tests.tools.npm import TS_SDK_V1, TS_SDK_V2, ensure_packages, node_binary

DRIVER = Path(__file__).with_name("ts_sdk_client.mjs")
TOOLS = 12


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def npm_dir() -> Path:
    return await asyncio.to_thread(ensure_packages, TS_SDK_V1, TS_SDK_V2)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def live_demo(
    pg_server: EmbeddedServer, admin_engine: AsyncEngine, demo_db: Database
) -> AsyncIterator[tuple[str, Database]]:
    from accountlens.app import create_app

    async with demo_copy(pg_server, admin_engine, demo_db, "al_ts_sdk_demo") as db:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        app = create_app(settings_for(base_url), database=db)
        app.state.embedder = get_local_embedder()
        async with serve(app, port, lifespan="on"):
            yield base_url, db


async def demo_ids(db: Database) -> dict[str, str]:
    admin = await demo_principal(db, ADMIN)
    data = await data_of(
        db,
        admin,
        """{ accounts(filter: [{field: "name", op: EQ, value: "Acme Corp"}]) { nodes { id } }
             people(first: 1) { nodes { id } }
             tasks(first: 100) { nodes { id comments(first: 1) { id } } } }""",
    )
    return {
        "account": data["accounts"]["nodes"][0]["id"],
        "person": data["people"]["nodes"][0]["id"],
        "task": next(t["id"] for t in data["tasks"]["nodes"] if t["comments"]),
    }


async def run_driver(
    npm_dir: Path, flavour: str, base_url: str, calls: Path, email: str
) -> dict[str, Any]:
    env = os.environ | {
        "MCP_URL": f"{base_url}/mcp",
        "EMAIL": email,
        "PASSWORD": "demo-admin-pass",
    }
    proc = await asyncio.create_subprocess_exec(
        node_binary(npm_dir),
        str(DRIVER),
        str(npm_dir),
        flavour,
        str(calls),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=180)
    assert proc.returncode == 0, err.decode()[-4000:]
    return dict(json.loads(out.decode().strip().splitlines()[-1]))


@pytest.mark.timeout(600)
@pytest.mark.parametrize("flavour", ["v1", "v2"])
async def test_the_typescript_sdk_client_authorizes_and_calls_all_twelve_tools(
    npm_dir: Path, live_demo: tuple[str, Database], tmp_path: Path, flavour: str
) -> None:
    # given the calls a model would make, one per tool, with real demo IDs
    base_url, db = live_demo
    calls = valid_calls(await demo_ids(db))
    assert len(calls) == TOOLS
    calls_file = tmp_path / "calls.json"
    calls_file.write_text(json.dumps(calls))
    # when the TypeScript SDK connects (refused, then discovery, registration, PKCE, consent)
    summary = await run_driver(npm_dir, flavour, base_url, calls_file, ADMIN)
    # then it was authorized through OAuth, sees the twelve tools, and every call succeeded
    assert summary["authorized"] is True
    assert summary["tokenPrefix"] == "alk_"
    assert summary["scope"] == "read"
    assert summary["tools"] == sorted(calls)
    failed = {name: r["text"] for name, r in summary["results"].items() if r["isError"]}
    assert failed == {}
    assert summary["results"]["whoami"]["structured"]["user"]["email"] == ADMIN
    assert summary["results"]["get_objects"]["structured"]["records"]
    print(f"\n{summary['sdk']} {summary['version']}: protocol {summary['protocolVersion']}")
