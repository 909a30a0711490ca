"""PostgreSQL CPU per cheap call, by user class, and where it goes (pg_stat_statements).

``python -m bench.inprocess pgcpu DATA_DIR [CALLS] [--users CLASSES] [--only LABELS]
[--statements]`` builds the app in this process as ``fixedcost`` does and, for each user class
of the load mix (``bench/load/workload.py``) and each of the peers run's cheap calls, runs
``CALLS`` calls one after another (after five warm-up calls) and reports the CPU that the
server's PostgreSQL processes (the postmaster of ``DATA_DIR/pgdata`` and all its children:
backends, WAL writer, checkpointer …) spent per call, read from ``/proc/<pid>/stat``, with
this process's own CPU (app and in-process client) beside it. Background audit writes are
waited for inside the window, so they count with their call.

With ``--statements``, and when the server preloads ``pg_stat_statements`` (its
``track_planning`` on), each cell also lists the statements that ran, with calls, planning and
execution time per call and plans per call (about 1: planned every call, a custom plan;
about 0: a cached generic plan): where the backend's CPU
went. Loading it costs some CPU of its own, so compare figures taken the same way.

The script uses only what ``accountlens`` has had since the lean request path, so the same file
can be run against another checkout (``PYTHONPATH=/that/checkout python bench/inprocess/pgcpu.py
…``) for an A/B in one session.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import time
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import delete

import accountlens
from accountlens.db.engine import EMBEDDED_DATABASE
from accountlens.db.models import Connection

if __package__ in (None, ""):  # run as a file against another checkout's accountlens
    sys.path.insert(1, str(Path(__file__).resolve().parents[2]))
from bench.inprocess.fixedcost import (
    PUBLIC_URL,
    audit_written,
    calls_for,
    production_app,
    user_token,
)
from bench.load.mcp_client import call_tool
from bench.load.workload import USERS
from bench.peers.systems import cpu_ms, postgres_pids

CHEAP = ("list accounts", "get 25 tickets", "product usage", "timeline")
SEARCHES = ("search (typo)", "search (word)")  # asked for by name only (``--only``)
SHORT = {
    "admin": "admin",
    "restricted member (team book)": "team-book",
    "restricted member (narrow book)": "narrow",
    "open-org member": "open-org",
}


async def statements(stats: asyncpg.Connection, calls: int) -> list[str]:
    """pg_stat_statements since its last reset: the statements of the cell, biggest first."""
    rows = await stats.fetch(
        """
        SELECT calls, total_plan_time, total_exec_time, plans,
               shared_blks_hit + shared_blks_read AS blocks, wal_bytes,
               regexp_replace(left(query, 70), '\\s+', ' ', 'g') AS query
        FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND query NOT LIKE '%pg_stat_statements%'
        ORDER BY total_plan_time + total_exec_time DESC LIMIT 8
        """
    )
    lines = []
    for r in rows:
        if r["calls"] < calls // 2:
            continue
        per = r["calls"] / calls
        lines.append(
            f"      {per:4.1f}x plan {r['total_plan_time'] / r['calls']:6.3f} exec "
            f"{r['total_exec_time'] / r['calls']:6.3f} ms; {r['plans'] / r['calls']:4.2f} plans; "
            f"{r['blocks'] / r['calls']:5.0f} blocks, {r['wal_bytes'] / r['calls']:5.0f} B WAL"
            f"  {r['query']}"
        )
    return lines


async def run(
    data_dir: Path, repeats: int, users: list[str], only: list[str], show_statements: bool
) -> None:
    pgdata = data_dir / "pgdata"
    setup = production_app(data_dir)
    server, engine, app = setup.server, setup.engine, setup.app
    stats: asyncpg.Connection | None = None
    if show_statements:
        stats = await asyncpg.connect(
            host=str(server.socket_dir), port=server.port, user="postgres",
            database=EMBEDDED_DATABASE,
        )  # fmt: skip
        preloaded = await stats.fetchval("SHOW shared_preload_libraries")
        if "pg_stat_statements" not in preloaded:
            raise SystemExit("--statements: the server does not preload pg_stat_statements")
        await stats.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    tokens = {u: await user_token(setup.db, setup.secret_key, USERS[u][0]) for u in users}
    print(f"accountlens from {Path(accountlens.__file__).parent}")
    print(f"{'user':10} {'call':15} {'pg ms':>6} {'app ms':>6} {'p50 ms':>6}  per call "
          f"({repeats} calls)")  # fmt: skip
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as http:
                for user in users:
                    token = tokens[user]
                    calls = await calls_for(http, token)
                    for label in only:
                        tool, arguments = calls[label]
                        for _ in range(5):
                            await call_tool(http, token, tool, arguments)
                        await audit_written(app)
                        if stats is not None:
                            await stats.execute("SELECT pg_stat_statements_reset()")
                        pids = postgres_pids(pgdata)
                        pg, cpu, took = cpu_ms(pids), time.process_time(), []
                        for _ in range(repeats):
                            started = time.perf_counter()
                            result = await call_tool(http, token, tool, arguments)
                            took.append((time.perf_counter() - started) * 1000)
                            assert result.ok, result.error
                        await audit_written(app)
                        pg_ms = (cpu_ms(pids) - pg) / repeats
                        app_ms = (time.process_time() - cpu) * 1000 / repeats
                        print(f"{SHORT[user]:10} {label:15} {pg_ms:6.2f} {app_ms:6.2f} "
                              f"{statistics.median(took):6.2f}", flush=True)  # fmt: skip
                        if stats is not None:
                            print("\n".join(await statements(stats, repeats)), flush=True)
    finally:
        if stats is not None:
            await stats.close()
        async with engine.begin() as conn:
            await conn.execute(delete(Connection).where(Connection.client_id == "bench"))
        await engine.dispose()


def main(argv: list[str]) -> None:
    """``python -m bench.inprocess pgcpu …``."""
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess pgcpu", description=__doc__)
    parser.add_argument("data_dir", type=Path, help="a benchmark data folder")
    parser.add_argument("calls", type=int, nargs="?", default=300, help="timed calls per cell")
    parser.add_argument("--users", help="comma-separated user classes (default: all four)")
    parser.add_argument(
        "--only",
        help=f"comma-separated calls: {', '.join(CHEAP)} (the default), or {', '.join(SEARCHES)}",
    )
    parser.add_argument("--statements", action="store_true", help="list pg_stat_statements")
    args = parser.parse_args(argv)
    by_short = {short: user for user, short in SHORT.items()}
    by_short |= {name: name for name in USERS}  # the load mix's own names serve too
    asked = [u.strip() for u in args.users.split(",")] if args.users else list(USERS)
    unknown = [u for u in asked if u not in by_short]
    if unknown:
        parser.error(f"unknown user class {unknown[0]!r}; choose from {', '.join(SHORT.values())}")
    users = [by_short[u] for u in asked]
    only = [c.strip() for c in args.only.split(",")] if args.only else list(CHEAP)
    if not set(only) <= {*CHEAP, *SEARCHES}:
        parser.error(f"--only: choose from {', '.join((*CHEAP, *SEARCHES))}")
    logging.basicConfig(level=logging.WARNING, force=True)
    asyncio.run(run(args.data_dir.resolve(), args.calls, users, only, args.statements))


if __name__ == "__main__":
    main(sys.argv[1:])
