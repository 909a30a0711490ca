"""A request's cheap reads keep a generic plan; every other read is planned as the server chooses.

On a single node the accepted bearer check (with the reader's columns read along, as the app
runs it) sets ``plan_cache_mode`` for the request's transaction only
(``accountlens/auth/request_unit.py``, *Plans*): reads marked ``generic`` run with it, the first
other read sets it back, and nothing of it is left on the pooled connection afterwards (behind
PgBouncer in transaction mode the next transaction may be another client's).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import func, select, text

from accountlens.auth import bearer_query, repository
from accountlens.auth.bearer_query import PlanMode
from accountlens.auth.options import RateLimit
from accountlens.auth.request_unit import RequestUnit
from accountlens.db.engine import Database
from accountlens.resolvers.reader import Reader, read_along
from tests.auth.test_check_reads_along import RESOURCE, connect_principal
from tests.factories import create_org, create_user

PLAN_MODE = select(func.current_setting("plan_cache_mode").label("mode"))


@asynccontextmanager
async def checked_request(db: Database) -> AsyncIterator[Reader]:
    """A member's reader in a unit after the real check of their token, as the resource
    server leaves it; the unit is ended and the reader closed afterwards."""
    org = await create_org(db)
    member = await create_user(db, org)
    connection_id, digest = await connect_principal(db, member)
    unit = await RequestUnit.begin(db.read_engine)
    moment = repository.now()
    row = await bearer_query.check_in_transaction(
        unit.fetch,
        org_id=org,
        connection_id=connection_id,
        digest=digest,
        resources=(RESOURCE,),
        moment=moment,
        bucket=None,
        window=moment,
        along=read_along(),
    )
    assert row is not None
    assert row.accepted
    unit.accept(
        org,
        bearer_query.Use(
            org_id=org, connection_id=connection_id, moment=moment,
            stale_before=moment - timedelta(minutes=1), bucket=None,
            window=RateLimit(1, timedelta(minutes=1)).current_window()[0],
        ),
        generic=row.plans_generic,
    )  # fmt: skip
    principal = dataclasses.replace(member, connection_id=connection_id)
    reader = Reader.open(principal, db, unit=unit)
    try:
        yield reader
    finally:
        await unit.end()
        await reader.close()


async def mode(reader: Reader, plan: PlanMode) -> str:
    """The plan cache mode a read asking for ``plan`` ran with."""
    return str((await reader.rows(PLAN_MODE, plan=plan))[0]["mode"])


async def test_marked_reads_take_a_generic_plan_until_another_read_sets_it_back(
    fresh_db: Database,
) -> None:
    # given a member's request past an accepted token check
    async with checked_request(fresh_db) as reader:
        # when a marked read, an unmarked one, and a marked one again run in its transaction
        first = await mode(reader, "generic")
        usual = await mode(reader, "usual")
        after = await mode(reader, "generic")
    # then only reads before the first unmarked one took the generic plan; the rest of the
    # transaction is planned as the server's configuration says
    assert (first, usual, after) == ("force_generic_plan", "auto", "auto")


async def test_a_read_planned_with_its_values_is_so_and_the_next_usual_read_goes_back(
    fresh_db: Database,
) -> None:
    # given a member's request past an accepted token check
    async with checked_request(fresh_db) as reader:
        # when a read asks for custom plans (a search), then a cheap read, then an unmarked one
        custom = await mode(reader, "custom")
        cheap = await mode(reader, "generic")
        usual = await mode(reader, "usual")
    # then the search was planned with its values, the cheap read ran in that mode too, and
    # the unmarked read as the server's configuration says
    assert (custom, cheap, usual) == ("force_custom_plan", "force_custom_plan", "auto")


async def test_nothing_of_it_outlives_the_request_on_the_pooled_connection(
    fresh_db: Database,
) -> None:
    # given a request that ended while its reads still took generic plans
    async with checked_request(fresh_db) as reader:
        assert await mode(reader, "generic") == "force_generic_plan"
    # when the pool hands that connection out again (last in, first out) for other work
    async with fresh_db.read_engine.connect() as conn:
        seen = await conn.scalar(text("SELECT current_setting('plan_cache_mode')"))
    # then it plans as the server is configured to
    assert seen == "auto"


async def test_a_refused_token_sets_nothing(fresh_db: Database) -> None:
    # given a token check that refuses a wrong secret, inside its unit
    unit = await RequestUnit.begin(fresh_db.read_engine)
    org = await create_org(fresh_db)
    member = await create_user(fresh_db, org)
    connection_id, _ = await connect_principal(fresh_db, member)
    try:
        row = await bearer_query.check_in_transaction(
            unit.fetch, org_id=org, connection_id=connection_id, digest=b"\x00" * 32,
            resources=(RESOURCE,), moment=repository.now(), bucket=None, window=repository.now(),
            along=read_along(),
        )  # fmt: skip
        # when the transaction is asked what it plans with
        seen = await unit.fetch("SELECT current_setting('plan_cache_mode') AS mode", [])
    finally:
        await unit.end()
    # then the refused check changed nothing
    assert row is not None
    assert not row.accepted
    assert seen[0]["mode"] == "auto"
