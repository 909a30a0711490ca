"""The same app in the harness's own process: SQL statement census and the profile.

Built with ``create_app`` on the benchmark database and driven through an ASGI transport (no
network), counting at the driver every statement and round trip a tool call makes (token check,
rate limit and audit included; the audit row is written in the background, so the census waits
for it). The slowest tool is then profiled here with pyinstrument.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import make_url

from accountlens.app import create_app
from accountlens.config import Settings
from accountlens.db.embedded import start_embedded
from accountlens.db.engine import EMBEDDED_DATABASE, Database, create_engine
from accountlens.ingest.embeddings import get_local_embedder
from bench.load.mcp_client import call_tool
from bench.load.workload import Call, UserMix
from tests.wire import counting_wire

PROFILE_BUDGET_S = 20.0


@dataclass
class InProcess:
    app: FastAPI
    http: httpx.AsyncClient
    db: Database

    async def audit_written(self) -> None:
        """Wait for the audit rows of the calls so far (written in the background)."""
        await self.app.state.mcp.audit.flush()


@asynccontextmanager
async def in_process_app(
    data_dir: Path, public_url: str, secret_key: str
) -> AsyncIterator[InProcess]:
    """The app as the server runs it (same public URL and key, so its tokens verify here)."""
    server = start_embedded(data_dir / "pgdata")
    engine = create_engine(make_url(server.url(EMBEDDED_DATABASE)), pool_size=5)
    db = Database(engine=engine, read_engine=engine)
    settings = Settings(
        _env_file=None,
        environment="production",
        public_url=public_url,
        secret_key=secret_key,
        mcp_rate_limit_per_minute=100_000,
        log_level="WARNING",
    )
    app = create_app(settings, database=db)
    app.state.embedder = get_local_embedder()
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=public_url) as http:
                yield InProcess(app, http, db)
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class Census:
    """What one call costs on the wire, and its in-process latency (ms)."""

    statements: int  # -1: the call failed (counted as an error by the HTTP run already)
    round_trips: int
    took_ms: float
    #: Of the round trips, statements prepared on the call's connection (first use there).
    prepares: int = 0


async def census(app: InProcess, mix: UserMix, call: Call) -> Census:
    """Statements and round trips of one call (after a warm-up call), counted at the driver.

    Counted below SQLAlchemy (``tests/wire.py``), so the reads that run straight on asyncpg
    count as well; the background audit write counts with the call it belongs to. The warm-up
    prepares the call's statements on the connection the counted call then gets back (the
    pool hands out the connection returned last), so ``prepares`` is 0 unless a statement's
    text changes from call to call or is too large for asyncpg's cache.
    """
    await call_tool(app.http, mix.token, call.tool, call.arguments)
    await app.audit_written()
    with counting_wire() as wire:
        started = time.perf_counter()
        result = await call_tool(app.http, mix.token, call.tool, call.arguments)
        took = (time.perf_counter() - started) * 1000
        await app.audit_written()  # its audit row counts, though the answer did not wait for it
    if not result.ok:
        return Census(-1, -1, took)
    return Census(len(wire.statements), wire.round_trips, took, wire.prepares)


async def profile(app: InProcess, mix: UserMix, call: Call, repeats: int, out: Path) -> Path:
    """A pyinstrument profile of up to ``repeats`` calls (about 20 s at most), as text."""
    from pyinstrument import Profiler

    await call_tool(app.http, mix.token, call.tool, call.arguments)
    profiler = Profiler(interval=0.0005, async_mode="enabled")
    profiler.start()
    started = time.monotonic()
    for _ in range(repeats):
        await call_tool(app.http, mix.token, call.tool, call.arguments)
        if time.monotonic() - started > PROFILE_BUDGET_S:
            break
    profiler.stop()
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    await asyncio.to_thread(out.write_text, text)
    return out
