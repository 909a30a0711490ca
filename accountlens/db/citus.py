"""Distributing the schema over a Citus cluster by ``org_id`` (run on the coordinator).

Which table goes where, and why:

* **Reference tables** (a copy on every node): ``orgs`` (keyed by ``id``, global unique
  ``slug``), ``oauth_clients`` (global, nil org) and ``users``: signing in looks a user up by
  e-mail across orgs, which on a reference table is one local read on the coordinator rather
  than a query on every shard; users are few and change rarely. ``sso_configs`` likewise: a
  sign-in finds the org's provider by the e-mail's domain before it knows the org.
* ``rate_limit_buckets`` is hash-distributed by ``bucket`` (its primary key includes it): it
  takes a write on most requests, which a reference table would copy to every node, and all
  its rows share the nil org, so by ``org_id`` they would all land on one shard.
* **Everything else that carries ``org_id``** is hash-distributed by ``org_id``, colocated:
  one org's rows of every table sit on one shard group, so every query of the app, which
  filters by the caller's org, is routed to one worker.
* ``alembic_version`` stays on the coordinator.

Citus turns every table that has a foreign key to a reference table into a Citus-local table
when the reference table is created, after which it can no longer be distributed. So the
foreign keys are dropped first and added back once every table is placed: the keys between
distributed tables all include ``org_id``, and the others point at reference tables, which
Citus allows. The step is idempotent: tables already placed are left alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from accountlens.db.row_security import TRUSTED_FUNCTIONS

log = logging.getLogger(__name__)

REFERENCE_TABLES = ("orgs", "oauth_clients", "users", "sso_configs")
#: Distributed by another column than ``org_id``: table -> distribution column.
OTHER_DISTRIBUTION = {"rate_limit_buckets": "bucket"}
#: Kept on the coordinator only.
LOCAL_TABLES = ("alembic_version",)
#: The colocation group of the tables distributed by ``org_id`` is named after this one.
ANCHOR = "accounts"

_FOREIGN_KEYS = """
SELECT c.conrelid::regclass::text AS tab, c.conname AS name,
       pg_get_constraintdef(c.oid) AS definition
FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
WHERE c.contype = 'f' AND n.nspname = 'public'
ORDER BY 1, 2
"""


@dataclass(frozen=True)
class Placement:
    """What :func:`distribute` did: the statements it ran, in order."""

    statements: list[str]


async def is_citus(conn: AsyncConnection) -> bool:
    return bool(
        await conn.scalar(text("SELECT count(*) FROM pg_extension WHERE extname = 'citus'"))
    )


async def plan(conn: AsyncConnection) -> list[str]:
    """The ``create_*_table`` calls for the tables not placed yet, parents first."""
    placed = set(
        await conn.scalars(text("SELECT logicalrelid::regclass::text FROM pg_dist_partition"))
    )
    tables = list(
        await conn.scalars(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
            )
        )
    )
    with_org = set(
        await conn.scalars(
            text(
                "SELECT table_name FROM information_schema.columns "
                "WHERE table_schema = 'public' AND column_name = 'org_id'"
            )
        )
    )
    calls = [f"SELECT create_reference_table('{t}')" for t in REFERENCE_TABLES if t in tables]
    for table, column in OTHER_DISTRIBUTION.items():
        if table in tables:
            calls.append(
                f"SELECT create_distributed_table('{table}', '{column}', colocate_with => 'none')"
            )
    rest = [ANCHOR] + [t for t in tables if t != ANCHOR]
    for table in rest:
        if table in REFERENCE_TABLES or table in OTHER_DISTRIBUTION or table in LOCAL_TABLES:
            continue
        if table not in with_org:
            raise RuntimeError(
                f"table {table} has no org_id: say in accountlens/db/citus.py where it goes"
            )
        colocate = "'none'" if table == ANCHOR else f"'{ANCHOR}'"
        calls.append(
            f"SELECT create_distributed_table('{table}', 'org_id', colocate_with => {colocate})"
        )
    return [c for c in calls if c.split("'")[1] not in placed]


async def distribute(owner: AsyncEngine, shard_count: int | None = None) -> Placement:
    """Place every table of the schema on the cluster (see the module doc); idempotent.

    ``shard_count`` overrides ``citus.shard_count`` (32 by default) for the tables placed now.

    Also marks the search functions LEAKPROOF on every worker (the coordinator's mark does
    not travel) and makes ``citus.propagate_set_commands`` default to ``local`` for the
    database, beside what ``accountlens_bind`` sets per transaction.
    """
    ran: list[str] = []
    async with owner.begin() as conn:
        if not await is_citus(conn):
            raise RuntimeError("the citus extension is not installed in this database")
        calls = await plan(conn)
        if calls:
            keys = (await conn.execute(text(_FOREIGN_KEYS))).all()
            for key in keys:
                ran.append(f'ALTER TABLE {key.tab} DROP CONSTRAINT "{key.name}"')
            ran.extend(calls)
            for key in keys:
                ran.append(f'ALTER TABLE {key.tab} ADD CONSTRAINT "{key.name}" {key.definition}')
        for function in TRUSTED_FUNCTIONS:
            command = f"ALTER FUNCTION {function} LEAKPROOF".replace("'", "''")
            ran.append(f"SELECT run_command_on_workers('{command}')")
        database = await conn.scalar(text("SELECT current_database()"))
        ran.append(f"ALTER DATABASE \"{database}\" SET citus.propagate_set_commands = 'local'")
        # Placing a table with rows copies them; one statement at a time, in one transaction
        # so that a failure leaves the schema as it was.
        await conn.execute(text("SET LOCAL citus.multi_shard_modify_mode = 'sequential'"))
        if shard_count is not None:
            await conn.execute(text(f"SET LOCAL citus.shard_count = {int(shard_count)}"))
        for statement in ran:
            log.info("citus: %s", statement)
            await conn.execute(text(statement))
    return Placement(ran)
