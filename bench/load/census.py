"""The same app in the harness's own process: SQL statement census and the profile.

Built with ``create_app`` on the benchmark database and driven through an ASGI transport (no
network), with a SQLAlchemy listener counting every statement a tool call runs (token check,
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
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event, make_url

from accountlens.app import create_app
from accountlens.config import Settings
from accountlens.db.embedded import start_embedded
from accountlens.db.engine import EMBEDDED_DATABASE, Database, create_engine
from accountlens.ingest.embeddings import get_local_embedder
from bench.load.mcp_client import call_tool
from bench.load.workload import Call, UserMix

PROFILE_BUDGET_S = 20.0


@dataclass
class InProcess:
    app: FastAPI
    http: httpx.AsyncClient
    db: Database
    statements: list[str]

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
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=public_url) as http:
                yield InProcess(app, http, db, statements)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
        await engine.dispose()


async def census(app: InProcess, mix: UserMix, call: Call) -> tuple[int, float]:
    """Statements one call runs (after a warm-up call) and its in-process latency (ms)."""
    await call_tool(app.http, mix.token, call.tool, call.arguments)
    await app.audit_written()
    app.statements.clear()
    started = time.perf_counter()
    result = await call_tool(app.http, mix.token, call.tool, call.arguments)
    took = (time.perf_counter() - started) * 1000
    await app.audit_written()  # its audit row counts, though the answer did not wait for it
    if not result.ok:  # counted as an error by the HTTP run already; the census goes on
        return -1, took
    return len(app.statements), took


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
