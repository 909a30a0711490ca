"""A bearer request's unit of work: counted and audited by one statement at its end, always.

The unit is what the token check opens when reads go to the primary
(``accountlens/auth/request_unit.py``); these tests drive it directly on a real database.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from accountlens.auth import bearer_query, repository
from accountlens.auth.audit import DatabaseAuditLog
from accountlens.auth.options import RateLimit
from accountlens.auth.principal import Principal
from accountlens.auth.request_unit import STATE_KEY, RequestUnit
from accountlens.db import raw
from accountlens.db.engine import Database
from accountlens.mcp_adapter.audit import ToolCallEntry
from tests.factories import create_org, create_user
from tests.wire import counting_wire


async def connected_user(db: Database) -> Principal:
    user = await create_user(db, await create_org(db))
    return dataclasses.replace(user, connection_id=uuid.uuid4(), client_id="client-1")


async def accepted_unit(db: Database, principal: Principal) -> RequestUnit:
    """A unit as the token check leaves it for ``principal``'s connection."""
    assert principal.connection_id is not None
    unit = await RequestUnit.begin(db.read_engine)
    moment = repository.now()
    use = bearer_query.Use(
        org_id=principal.org_id,
        connection_id=principal.connection_id,
        moment=moment,
        stale_before=moment - timedelta(minutes=1),
        bucket=bearer_query.connection_bucket(principal.connection_id),
        window=RateLimit(1, timedelta(minutes=1), clock=lambda: moment).current_window()[0],
    )
    unit.accept(principal.org_id, use)
    return unit


def request_with(unit: RequestUnit) -> SimpleNamespace:
    """What the audit middleware hands on: the HTTP request, whose state holds the unit."""
    return SimpleNamespace(state=SimpleNamespace(**{STATE_KEY: unit}))


def whoami(principal: Principal) -> ToolCallEntry:
    return ToolCallEntry(principal, "whoami", {}, "ok", None, 3.5)


async def written(db: Database, principal: Principal) -> tuple[int | None, list[str]]:
    """The connection's hits in its buckets, and its audited tools (as another session sees)."""
    assert principal.connection_id is not None
    async with db.engine.connect() as conn:
        hits = await conn.scalar(
            text("SELECT sum(hits) FROM rate_limit_buckets WHERE bucket = :bucket"),
            {"bucket": bearer_query.connection_bucket(principal.connection_id)},
        )
        tools = await conn.scalars(
            text("SELECT tool FROM mcp_tool_calls WHERE connection_id = :id ORDER BY called_at"),
            {"id": principal.connection_id},
        )
        return (None if hits is None else int(hits)), list(tools)


async def test_an_answered_request_is_counted_and_audited_by_one_statement_at_its_end(
    fresh_db: Database,
) -> None:
    # given a request past its token check, whose tool call was recorded
    principal = await connected_user(fresh_db)
    unit = await accepted_unit(fresh_db, principal)
    await DatabaseAuditLog(lambda: fresh_db).record(whoami(principal), request_with(unit))
    # then nothing is written while the request runs
    assert await written(fresh_db, principal) == (None, [])
    # when it ends
    with counting_wire() as wire:
        await unit.end()
    # then the hit and the audit row are there, from one statement and the COMMIT
    assert await written(fresh_db, principal) == (1, ["whoami"])
    assert len(wire.statements) == 1
    assert wire.round_trips <= 3  # the statement (prepared once per connection), COMMIT


async def test_a_request_whose_read_failed_is_still_counted_and_its_call_audited(
    fresh_db: Database,
) -> None:
    # given a request past its token check whose read fails (the transaction is aborted)
    principal = await connected_user(fresh_db)
    unit = await accepted_unit(fresh_db, principal)
    async with unit.lock:
        held = unit.held_for(principal.org_id)
        assert held is not None
        with pytest.raises(DBAPIError):
            await raw.fetch(held, "SELECT 1 / $1::integer", [0])
        unit.spoil()
    log = DatabaseAuditLog(lambda: fresh_db)
    await log.record(whoami(principal), request_with(unit))
    # when it ends
    await unit.end()
    # then it is counted and its call audited all the same (outside the aborted transaction)
    assert await written(fresh_db, principal) == (1, ["whoami"])
    # and a call recorded after the end is written too (by the audit log itself)
    await log.record(whoami(principal), request_with(unit))
    assert await written(fresh_db, principal) == (1, ["whoami", "whoami"])


async def test_calls_in_flight_on_one_connection_do_not_wait_for_each_other(
    fresh_db: Database,
) -> None:
    # given two requests of one connection in flight at once (a client's parallel tool calls)
    principal = await connected_user(fresh_db)
    first = await accepted_unit(fresh_db, principal)
    second = await accepted_unit(fresh_db, principal)
    # when the second ends while the first is still running
    await asyncio.wait_for(second.end(), timeout=5)
    # then it did not wait for the first (no lock on the bucket is held across a request)
    assert await written(fresh_db, principal) == (1, [])
    await first.end()
    assert await written(fresh_db, principal) == (2, [])


async def test_a_unit_reads_only_for_the_org_it_is_bound_to(fresh_db: Database) -> None:
    # given a request bound to its token's org
    principal = await connected_user(fresh_db)
    unit = await accepted_unit(fresh_db, principal)
    try:
        # then its connection serves that org's reads, and no other org's
        assert unit.held_for(principal.org_id) is not None
        assert unit.held_for(uuid.uuid4()) is None
    finally:
        await unit.end()
    # and none once it ended
    assert unit.held_for(principal.org_id) is None
