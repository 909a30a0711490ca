"""CPU per read statement: SQLAlchemy's ``AsyncConnection.execute`` against the reader's path.

``python -m bench.inprocess readpath DATA_DIR [N]`` runs one page-shaped statement (25 accounts
with a correlated owner name and the total, as a list page reads them) ``N`` times (default 400)
three ways on one connection, alternating, and prints this process's CPU time per statement:
building the statement only; building and running it through ``AsyncConnection.execute`` (the old
path); building it and running it as compiled text on the asyncpg connection
(``accountlens/resolvers/compiled.py``, the reader's path). PostgreSQL's CPU is not included:
it is the same statement text either way.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, make_url, select

from accountlens.db.embedded import start_embedded
from accountlens.db.engine import EMBEDDED_DATABASE, create_engine
from accountlens.db.models import Account, User
from accountlens.resolvers import compiled


def page(org: Any) -> Select[Any]:
    owner = (
        select(User.name)
        .where(User.org_id == Account.org_id, User.id == Account.owner_id)
        .correlate(Account)
        .scalar_subquery()
        .label("owner")
    )
    total = select(func.count()).select_from(Account).where(Account.org_id == org)
    return (
        select(*Account.__table__.columns, owner, total.scalar_subquery().label("_total"))
        .where(Account.org_id == org)
        .order_by(Account.name, Account.id)
        .limit(26)
    )


async def run(data_dir: Path, n: int) -> None:
    server = start_embedded(data_dir / "pgdata")
    engine = create_engine(make_url(server.url(EMBEDDED_DATABASE)), pool_size=1)
    try:
        async with engine.connect() as conn:
            org = (await conn.execute(select(Account.org_id).limit(1))).scalar_one()
            driver: Any = (await conn.get_raw_connection()).driver_connection
            cache = engine.sync_engine._compiled_cache

            async def build() -> None:
                page(org)

            async def through_sqlalchemy() -> None:
                [dict(r) for r in (await conn.execute(page(org))).mappings()]

            async def as_text() -> None:
                sql, arguments, plan = compiled.bound(page(org), None, engine.dialect, cache)
                if plan.results is None:
                    prepared = await driver.prepare(sql, name="")
                    plan.resolve(engine.dialect, [a.type.oid for a in prepared.get_attributes()])
                compiled.as_rows(await driver.fetch(sql, *arguments), plan)

            ways = {"build only": build, "AsyncConnection": through_sqlalchemy, "text": as_text}
            for way in ways.values():  # warm: compiled caches, prepared statements
                await way()
            for round_ in (1, 2, 3):
                for label, way in ways.items():
                    cpu = time.process_time()
                    for _ in range(n):
                        await way()
                    ms = (time.process_time() - cpu) * 1000 / n
                    print(f"round {round_}  {label:16} {ms:6.3f} ms CPU per statement")
    finally:
        await engine.dispose()


def main(argv: list[str]) -> None:
    """``python -m bench.inprocess readpath …``."""
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess readpath", description=__doc__)
    parser.add_argument("data_dir", type=Path, help="a benchmark data folder")
    parser.add_argument("n", type=int, nargs="?", default=400, help="statements per way")
    args = parser.parse_args(argv)
    asyncio.run(run(args.data_dir.resolve(), args.n))
