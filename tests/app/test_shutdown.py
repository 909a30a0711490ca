"""``accountlens serve`` stops gracefully: SIGTERM lets in-flight requests finish, then exits 0
and stops the embedded PostgreSQL it started."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import make_url

from accountlens.auth import users
from accountlens.db.embedded import EmbeddedServer, start_embedded
from accountlens.db.engine import (
    EMBEDDED_DATABASE,
    Database,
    create_database_if_missing,
    create_engine,
)
from accountlens.db.migrate import upgrade
from tests.auth.helpers import (
    PASSWORD,
    approve,
    authorize_params,
    exchange,
    pkce,
    query_of,
    register,
    sign_in,
)
from tests.auth.live import free_port
from tests.mcp.live import tool_call

EMAIL = "sam@initech.test"


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # A short path: the embedded server's Unix socket lives in it (~107-byte limit).
    path = Path(tempfile.mkdtemp(prefix="alstop-", dir="/tmp"))
    yield path
    pgdata = path / "pgdata"
    if (pgdata / "postmaster.pid").exists():  # left running by a failure: stop it, then tidy
        EmbeddedServer(pgdata, pgdata, 0, started_here=True).stop()
    shutil.rmtree(path, ignore_errors=True)


async def prepare_embedded(pgdata: Path) -> None:
    """A migrated embedded database with one user, stopped again (``serve`` starts it)."""
    server = start_embedded(pgdata)
    url = make_url(server.url(EMBEDDED_DATABASE))
    await create_database_if_missing(url)
    engine = create_engine(url, pool_size=1)
    try:
        await upgrade(engine)
        db = Database(engine=engine, read_engine=engine)
        async with db.sessions() as session:
            await users.create_org(session, "Initech", "initech", "open")
            await users.create_user(session, "initech", EMAIL, "Sam", PASSWORD, "member")
            await session.commit()
    finally:
        await engine.dispose()
        server.stop()


async def access_token(http: httpx.AsyncClient, resource: str) -> str:
    """The OAuth flow over HTTP: sign in, register, consent, PKCE exchange."""
    await sign_in(http, EMAIL)
    client_id = await register(http)
    verifier, challenge = pkce()
    decision = await approve(http, authorize_params(client_id, challenge, resource=resource))
    code = query_of(decision.headers["location"])["code"]
    response = await exchange(http, client_id, code, verifier, resource=resource)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def requests_in_flight(base_url: str) -> float:
    async with httpx.AsyncClient(base_url=base_url) as http:
        text = (await http.get("/metrics")).text
    family = next(f for f in text_string_to_metric_families(text) if f.name.endswith("in_flight"))
    return family.samples[0].value


async def refuses_connections(base_url: str) -> bool:
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=2) as http:
            await http.get("/healthz")
    except httpx.ConnectError:
        return True
    return False


async def eventually(check: Callable[[], Awaitable[bool]], within: float) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


@pytest.mark.timeout(180)
async def test_sigterm_finishes_the_request_in_flight_exits_0_and_stops_postgres(
    data_dir: Path,
) -> None:
    # given a server on its own embedded database, and a connected MCP client
    await prepare_embedded(data_dir / "pgdata")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
    env |= {
        "ACCOUNTLENS_DATA_DIR": str(data_dir),
        "ACCOUNTLENS_PORT": str(port),
        "ACCOUNTLENS_PUBLIC_URL": base_url,
        "ACCOUNTLENS_LOG_LEVEL": "WARNING",
    }
    log_path = data_dir / "serve.log"
    with log_path.open("w") as log:
        server = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "accountlens.cli", "serve",
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        await eventually(lambda: _ready(base_url, server), within=90)
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            token = await access_token(http, f"{base_url}/mcp")

            # when a tool call is in flight (its body still arriving) as SIGTERM comes
            release = asyncio.Event()
            call = tool_call("whoami", {})
            body = httpx.Request("POST", "/", json=call).content

            async def slow_body() -> AsyncIterator[bytes]:
                yield body[:10]
                await release.wait()
                yield body[10:]

            headers = {
                "authorization": f"Bearer {token}",
                "accept": "application/json, text/event-stream",
                "content-type": "application/json",
                "mcp-protocol-version": "2025-11-25",
            }
            in_flight = asyncio.create_task(http.post("/mcp", content=slow_body(), headers=headers))
            await eventually(lambda: _above(requests_in_flight(base_url), 2), within=30)
            server.send_signal(signal.SIGTERM)
            await eventually(lambda: refuses_connections(base_url), within=30)
            release.set()
            response = await in_flight

        # then the call is answered in full, the process exits 0, and PostgreSQL is stopped
        assert response.status_code == 200, response.text
        result = response.json()["result"]
        assert not result.get("isError"), result
        assert result["structuredContent"]["user"]["email"] == EMAIL
        assert await asyncio.wait_for(server.wait(), 30) == 0, log_path.read_text()
        assert not (data_dir / "pgdata" / "postmaster.pid").exists()
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()
        print(log_path.read_text())  # pytest shows the server log when the test fails


async def _ready(base_url: str, server: asyncio.subprocess.Process) -> bool:
    assert server.returncode is None, "the server exited during start-up"
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=2) as http:
            return (await http.get("/readyz")).status_code == 200
    except httpx.TransportError:
        return False


async def _above(value: Awaitable[float], threshold: float) -> bool:
    return await value >= threshold
