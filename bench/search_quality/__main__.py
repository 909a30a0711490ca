"""``python -m bench.search_quality [--data-dir DIR]``: build (once) and evaluate the small demo.

The small demo is built with the test suite's seed into its own database on an embedded
PostgreSQL under ``DIR`` (default ``bench/.data/search-quality``) and reused on later runs; the
table of recall@5, recall@10 and nDCG@10 per user class and mode goes to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from accountlens.db.embedded import start_embedded
from accountlens.db.engine import Database, create_engine
from accountlens.db.migrate import upgrade
from accountlens.db.row_security import (
    APP_ROLE,
    ensure_login_role,
    grant_app_role,
    trust_search_functions,
)
from accountlens.ingest.demo import build_demo
from accountlens.ingest.embeddings import get_local_embedder
from bench.search_quality.evaluate import evaluate, table
from bench.search_quality.labels import passage_labels
from bench.search_quality.queries import QUERIES

DATABASE = "search_quality"
SEED = 7  # tests/conftest.py's DEMO_SEED: the test and the command judge the same workspace
MARKER = "search-quality-built"


async def _run(data_dir: Path) -> str:
    server = start_embedded(data_dir / "pgdata")
    try:
        marker = data_dir / MARKER
        if not marker.exists():
            admin = create_async_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
                await conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
            await ensure_login_role(admin, APP_ROLE)
            await admin.dispose()
            owner = create_engine(make_url(server.url(DATABASE)))
            await upgrade(owner)
            await grant_app_role(owner, APP_ROLE)
            await trust_search_functions(owner)
            print("building the small demo (seed 7)…", file=sys.stderr)
            await build_demo(owner, scale="small", seed=SEED, embedder=get_local_embedder())
            await owner.dispose()
            marker.write_text("small\n")
        # Reads as the RLS-bound app role, exactly as the server does.
        db = Database(
            engine=create_engine(make_url(server.url(DATABASE))),
            read_engine=create_engine(make_url(server.url(DATABASE, user=APP_ROLE))),
        )
        try:
            results = await evaluate(db, passage_labels(SEED), QUERIES, get_local_embedder())
        finally:
            await db.close(stop_embedded=False)
        return f"{len(QUERIES)} queries, small demo, seed {SEED}\n\n{table(results)}"
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search_quality", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("bench/.data/search-quality"))
    args = parser.parse_args()
    print(asyncio.run(_run(args.data_dir.resolve())))


if __name__ == "__main__":
    main()
