"""In-process GraphQL probe: p50 and SQL statements per operation, no HTTP in between.

Used while tuning the resolvers (``python -m bench.inprocess probe DATA_DIR``): it isolates the
GraphQL and SQL cost from the MCP adapter and the HTTP stack, so a change shows up undiluted.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url, text

from accountlens.auth.principal import Principal
from accountlens.config import Settings
from accountlens.db.embedded import start_embedded
from accountlens.db.engine import EMBEDDED_DATABASE, Database, create_engine
from accountlens.ingest.embeddings import get_local_embedder
from accountlens.schema.context import build_context
from accountlens.schema.root import schema

QUERIES = {
    "list tickets+account+owner": (
        '{ tickets(first: 25, sort: [{field: "opened_at", direction: DESC}]) { totalCount '
        "nodes { subject status openedAt account { name owner { name } } } } }"
    ),
    "list opps filtered": (
        '{ opportunities(first: 25, filter: [{field: "stage_category", op: EQ, value: "open"},'
        ' {field: "amount", op: GT, value: 50000}], sort: [{field: "amount", direction: DESC}])'
        " { totalCount nodes { name amount { amount } closeDate account { name } } } }"
    ),
    "keyword search": (
        '{ search(query: "acme crop", first: 25) { totalCount hits { score node { id } } } }'
    ),
    "segment tickets": (
        '{ tickets(first: 25, filter: [{field: "account.segment", op: EQ, value: "At Risk"}])'
        " { totalCount nodes { subject status account { name } } } }"
    ),
    "list activities": (
        "{ activities(first: 25) { totalCount nodes { subject occurredAt account { name } } } }"
    ),
    "semantic search": (
        '{ semanticSearch(query: "customer worried about price increase at renewal", first: 10)'
        " { strategy passages { text speaker timestamp documentTitle } } }"
    ),
}
EXPLAIN_SLOW_MS = 3.0
#: A query vector spelled out in a plan (384 numbers), shortened when printed.
_VECTOR = re.compile(r"'\[[-0-9.e,]{200,}\]'")
#: The app's default caps (``Settings``): without them a common word's search reads every match.
CAPS: dict[str, Any] = {
    "total_cap": Settings.model_fields["list_total_cap"].default,
    "search_cap": Settings.model_fields["search_candidate_cap"].default,
}
USERS = ("ada@northwind.example", "katherine@northwind.example", "grace@northwind.example",
         "niels@contoso.example")  # fmt: skip


async def principal_of(engine: Any, email: str) -> Principal:
    """The demo user ``email`` as the principal a GraphQL execution runs as."""
    async with engine.connect() as conn:
        found = (
            await conn.execute(
                text("SELECT id, org_id, role FROM users WHERE email = :e"), {"e": email}
            )
        ).one()
    return Principal(user_id=found.id, org_id=found.org_id, role=found.role)


async def explain_all(engine: Any, captured: list[tuple[str, Any]]) -> None:
    """EXPLAIN ANALYZE each captured statement with its parameters; print the slow ones.

    All run in one transaction, so transaction-local settings made by a captured statement
    (the reader's ``set_config`` of the org and of semantic search's HNSW knobs) hold for the
    statements after it, as they did when the app ran them.
    """
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        transaction = driver.transaction()
        await transaction.start()
        for statement, params in captured:
            plan = await driver.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *params)
            lines = [r[0] for r in plan]
            took = float(lines[-1].split(":")[1].split()[0])
            print(f"   {took:8.2f} ms  {' '.join(statement.split())[:160]}")
            if took > EXPLAIN_SLOW_MS:
                print("\n".join("        " + _VECTOR.sub("'[…]'", line) for line in lines))
        await transaction.rollback()


async def run(data_dir: Path, rounds: int, only: str | None, explain: bool = False) -> None:
    server = start_embedded(data_dir / "pgdata")
    engine = create_engine(make_url(server.url(EMBEDDED_DATABASE)))
    db = Database(engine=engine, read_engine=engine)
    embedder = get_local_embedder()
    statements: list[str] = []
    captured: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        statements.append(args[2])
        captured.append((args[2], args[3]))

    for email in USERS:
        principal = await principal_of(engine, email)
        for name, query in QUERIES.items():
            if only and only not in name:
                continue
            times = []
            cpu_started = 0.0
            for i in range(rounds + 1):
                if i == 1:
                    cpu_started = time.process_time()
                if i == rounds:
                    statements.clear()
                    event.listen(engine.sync_engine, "before_cursor_execute", record)
                started = time.perf_counter()
                async with build_context(principal, db, embedder=embedder, **CAPS) as context:
                    result = await schema.execute(query, context_value=context)
                times.append((time.perf_counter() - started) * 1000)
                assert not result.errors, result.errors
            cpu = (time.process_time() - cpu_started) * 1000 / rounds
            event.remove(engine.sync_engine, "before_cursor_execute", record)
            if explain:
                await explain_all(engine, captured)
            captured.clear()
            print(
                f"{email:30s} {name:28s} p50 {statistics.median(times[1:]):7.1f} ms "
                f"min {min(times[1:]):7.1f}  cpu {cpu:6.1f} ms  statements {len(statements)}"
            )
    await engine.dispose()


def main(argv: list[str]) -> None:
    """``python -m bench.inprocess probe DATA_DIR [ROUNDS] [OPERATION] [--explain]``."""
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess probe", description=__doc__)
    parser.add_argument("data_dir", type=Path, help="a benchmark data folder")
    parser.add_argument("rounds", type=int, nargs="?", default=15, help="runs per operation")
    parser.add_argument("only", nargs="?", help="only the operations whose name contains this")
    parser.add_argument("--explain", action="store_true", help="print each statement's plan")
    args = parser.parse_args(argv)
    asyncio.run(run(args.data_dir.resolve(), args.rounds, args.only, args.explain))
