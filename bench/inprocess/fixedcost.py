"""Fixed per-call cost: CPU, statements and database round trips of cheap MCP tool calls.

``python -m bench.inprocess fixedcost DATA_DIR [CALLS] [--profile LABEL] [--user EMAIL]
[--only LABELS]`` builds the app in this process (``create_app`` over an ASGI transport: no
network, no other process), gives a demo user (the admin unless ``--user``) a connection straight
in the database, and times a few cheap calls and both keyword searches of the load mix ``CALLS``
times each (default 150; ``--only`` takes a comma-separated subset of the labels). Per call it
reports p50/p90 latency, the CPU time of this process (app and client), the SQL statements
and the round trips asyncpg makes, both counted at the driver (``tests/wire.py``), so reads
run straight on asyncpg count too. Background audit writes are counted with the call they
belong to. With ``--profile`` it writes a cProfile (CPU time) of
that call to ``bench/results/fixedcost-<label>.prof``.

Statements say what the code asks for; round trips say what it costs on the wire (a pre-ping
alone is three of them: SQLAlchemy wraps its ``;`` in ``BEGIN``/``ROLLBACK``).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import logging
import pstats
import secrets
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import delete, insert, make_url, select
from sqlalchemy.ext.asyncio import AsyncEngine

from accountlens.app import create_app
from accountlens.auth import tokens
from accountlens.config import Settings
from accountlens.db.embedded import EmbeddedServer, start_embedded
from accountlens.db.engine import EMBEDDED_DATABASE, Database, create_engine
from accountlens.db.models import Connection, User
from accountlens.ingest.embeddings import get_local_embedder
from bench.load.mcp_client import call_tool
from tests.wire import Wire, counting_wire

PUBLIC_URL = "http://127.0.0.1:8799"
ADMIN = "ada@northwind.example"


async def user_token(db: Database, secret_key: str, email: str = ADMIN) -> str:
    """A connection for the demo user ``email``, inserted directly (OAuth is not measured)."""
    async with db.engine.begin() as conn:
        user = (await conn.execute(select(User.org_id, User.id).where(User.email == email))).one()
        issued = tokens.issue(tokens.ACCESS_TOKEN_PREFIX, secret_key.encode(), user.org_id)
        now = datetime.now(UTC)
        await conn.execute(
            insert(Connection).values(
                org_id=user.org_id, id=issued.row_id, user_id=user.id, client_id="bench",
                client_name="bench.inprocess.fixedcost", redirect_host="127.0.0.1", scope="read",
                resource=f"{PUBLIC_URL}/mcp", token_salt=issued.salt, token_hash=issued.digest,
                created_at=now, expires_at=now + timedelta(hours=1),
            )
        )  # fmt: skip
    return issued.value


async def run(
    data_dir: Path, repeats: int, profile: str | None, email: str, only: set[str] | None
) -> None:
    setup = production_app(data_dir)
    engine, app = setup.engine, setup.app
    token = await user_token(setup.db, setup.secret_key, email)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
                with counting_wire() as wire:
                    await measure(app, http, token, wire, repeats, profile, only)
    finally:
        async with engine.begin() as conn:
            await conn.execute(delete(Connection).where(Connection.client_id == "bench"))
        await engine.dispose()


@dataclass(frozen=True, slots=True)
class ProductionApp:
    """The app as a served production worker runs it, in this process, and what it runs on."""

    server: EmbeddedServer
    engine: AsyncEngine
    db: Database
    app: FastAPI
    secret_key: str  # to mint tokens (user_token)


def production_app(data_dir: Path) -> ProductionApp:
    """:class:`ProductionApp` on ``data_dir``'s embedded server (started if it is not)."""
    server = start_embedded(data_dir / "pgdata")
    engine = create_engine(make_url(server.url(EMBEDDED_DATABASE)), pool_size=5)
    db = Database(engine=engine, read_engine=engine)
    secret_key = secrets.token_urlsafe(48)
    settings = Settings(
        _env_file=None, environment="production", public_url=PUBLIC_URL, secret_key=secret_key,
        mcp_rate_limit_per_minute=100_000, log_level="WARNING",
    )  # fmt: skip
    app = create_app(settings, database=db)
    app.state.embedder = get_local_embedder()
    # As a served worker does (cli.worker_app): without it the first call timed pays the
    # collector's full passes over the start-up heap, and its CPU reads about 1 ms high.
    gc.collect()
    gc.freeze()
    return ProductionApp(server, engine, db, app, secret_key)


async def audit_written(app: Any) -> None:
    """Wait for queued audit rows (older code wrote them during the call and has no queue)."""
    audit = getattr(app.state.mcp, "audit", None)
    if audit is not None:
        await audit.flush()


async def calls_for(http: httpx.AsyncClient, token: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """The calls these tools time, by label, for this user's own first account and tickets."""
    first = await call_tool(http, token, "list_objects", {"object_type": "account", "limit": 1})
    if not first.ok:
        raise SystemExit(f"the first call failed: {first.error}")
    account = (first.structured or {})["records"][0]["id"]
    tickets = await call_tool(http, token, "list_objects", {"object_type": "ticket"})
    ticket_ids = [record["id"] for record in (tickets.structured or {}).get("records", [])][:25]
    return {
        "whoami": ("whoami", {}),
        "list accounts": ("list_objects", {"object_type": "account"}),
        "list 5 tickets": ("list_objects", {"object_type": "ticket", "limit": 5}),
        "product usage": ("get_product_usage", {"id": account}),
        # The peers run's other two cheap calls (bench/load/workload.py).
        "timeline": ("account_timeline", {"account": account, "since": "-30d"}),
        "get 25 tickets": ("get_objects", {"ids": ticket_ids}),
        "keyword search": ("search_objects", {"query": "Acme"}),
        # The load mix's two searches (bench/load/workload.py): a typo, and a common word.
        "search (typo)": ("search_objects", {"query": "acme crop"}),
        "search (word)": ("search_objects", {"query": "renewal"}),
    }


async def measure(
    app: Any,
    http: httpx.AsyncClient,
    token: str,
    wire: Wire,
    repeats: int,
    profile: str | None,
    only: set[str] | None = None,
) -> None:
    calls = await calls_for(http, token)
    if only:
        wanted = only | ({profile} if profile else set())
        calls = {label: call for label, call in calls.items() if label in wanted}
    print(f"{'call':16} {'p50 ms':>7} {'p90 ms':>7} {'cpu ms':>7}  per call")
    for label, (tool, arguments) in calls.items():
        for _ in range(5):  # warm: salts, compiled operations, prepared statements
            await call_tool(http, token, tool, arguments)
        await audit_written(app)
        before = (len(wire.statements), wire.round_trips)
        cpu, took = time.process_time(), []
        for _ in range(repeats):
            started = time.perf_counter()
            result = await call_tool(http, token, tool, arguments)
            took.append((time.perf_counter() - started) * 1000)
            assert result.ok, result.error
        cpu_ms = (time.process_time() - cpu) * 1000 / repeats
        await audit_written(app)
        sql = round((len(wire.statements) - before[0]) / repeats, 1)
        trips = round((wire.round_trips - before[1]) / repeats, 1)
        took.sort()
        print(f"{label:16} {statistics.median(took):7.1f} {took[len(took) * 9 // 10]:7.1f} "
              f"{cpu_ms:7.1f}  {sql} statements, {trips} round trips")  # fmt: skip
    if profile:
        tool, arguments = calls[profile]
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(repeats):
            await call_tool(http, token, tool, arguments)
        profiler.disable()
        out = Path("bench/results") / f"fixedcost-{profile.replace(' ', '-')}.prof"
        profiler.dump_stats(out)
        print(f"profile: {out} (python -m pstats {out})")
        print_layers(pstats.Stats(profiler), repeats)


#: Where a function's own CPU time is booked: the first of these its file path contains.
LAYERS = (
    ("asyncpg", "/asyncpg/"),
    ("sqlalchemy", "/sqlalchemy/"),
    ("graphql-core", "/graphql/"),
    ("strawberry", "/strawberry/"),
    ("gql", "/gql/"),
    ("mcp sdk", "/mcp/"),
    ("pydantic", "/pydantic"),
    ("starlette/fastapi", "/starlette/"),
    ("starlette/fastapi", "/fastapi/"),
    ("httpx client", "/httpx/"),
    ("httpx client", "/httpcore/"),
    ("json", "/json/"),
    ("accountlens.resolvers", "/accountlens/resolvers/"),
    ("accountlens.schema", "/accountlens/schema/"),
    ("accountlens.mcp_adapter", "/accountlens/mcp_adapter/"),
    ("accountlens.auth", "/accountlens/auth/"),
    ("accountlens (other)", "/accountlens/"),
    ("asyncio event loop", "/asyncio/"),
)


def print_layers(stats: pstats.Stats, calls: int) -> None:
    """Own CPU time per call by layer (cProfile's tottime, summed by the function's file)."""
    booked: Counter[str] = Counter()
    for (filename, _, _), row in stats.stats.items():  # type: ignore[attr-defined]  # untyped
        layer = next((name for name, part in LAYERS if part in filename), "other (builtins, C)")
        booked[layer] += row[2]
    total = sum(booked.values())
    print(f"CPU by layer, ms per call (cProfile, own time; total {total * 1000 / calls:.1f}):")
    for layer, seconds in booked.most_common():
        print(f"  {layer:26} {seconds * 1000 / calls:6.2f}  {seconds / total:6.1%}")


def main(argv: list[str]) -> None:
    """``python -m bench.inprocess fixedcost …``."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.inprocess fixedcost", description=__doc__
    )
    parser.add_argument("data_dir", type=Path, help="a benchmark data folder (bench/.data …)")
    parser.add_argument("calls", type=int, nargs="?", default=150, help="timed calls per tool")
    parser.add_argument("--profile", help="cProfile this call (e.g. 'list accounts')")
    parser.add_argument("--user", default=ADMIN, help="the demo user calling (default: admin)")
    parser.add_argument("--only", help="comma-separated labels of the calls to time")
    args = parser.parse_args(argv)
    only = {label.strip() for label in args.only.split(",")} if args.only else None
    logging.basicConfig(level=logging.WARNING, force=True)
    asyncio.run(run(args.data_dir.resolve(), args.calls, args.profile, args.user, only))
