"""The audit log writes tool calls in the background, and never loses one on the way out."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid

from sqlalchemy import make_url, text

from accountlens.auth.audit import DatabaseAuditLog
from accountlens.auth.principal import Principal
from accountlens.db.embedded import EmbeddedServer
from accountlens.db.engine import Database, create_engine
from accountlens.mcp_adapter.audit import ToolCallEntry, returned_ids
from tests.factories import create_org, create_user


async def connected_user(db: Database) -> Principal:
    user = await create_user(db, await create_org(db))
    return dataclasses.replace(user, connection_id=uuid.uuid4(), client_id="client-1")


def call(principal: Principal, tool: str) -> ToolCallEntry:
    return ToolCallEntry(
        principal=principal,
        tool=tool,
        arguments={"object_type": "ticket", "limit": 3},
        outcome="ok",
        result_count=3,
        latency_ms=12.5,
    )


async def audit_rows(db: Database, principal: Principal) -> list[dict[str, object]]:
    async with db.engine.connect() as conn:
        found = await conn.execute(
            text(
                "SELECT tool, arguments, outcome, result_count, latency_ms, user_id, client_id "
                "FROM mcp_tool_calls WHERE connection_id = :id ORDER BY called_at, tool"
            ),
            {"id": principal.connection_id},
        )
        return [dict(row) for row in found.mappings()]


async def test_calls_still_queued_when_the_server_stops_are_written(fresh_db: Database) -> None:
    # given a running audit log, and 30 calls recorded back to back (recording only queues:
    # it never yields to the writer, so all 30 are still queued when the block ends)
    principal = await connected_user(fresh_db)
    log = DatabaseAuditLog(lambda: fresh_db, batch_size=8)
    async with log.running():
        for n in range(30):
            await log.record(call(principal, f"tool_{n:02}"))
    # when the log has stopped (the app's shutdown)
    rows = await audit_rows(fresh_db, principal)
    # then every call is there, in order, with what it was asked and how it went
    assert [r["tool"] for r in rows] == [f"tool_{n:02}" for n in range(30)]
    assert rows[0] == {
        "tool": "tool_00",
        "arguments": {"object_type": "ticket", "limit": 3},
        "outcome": "ok",
        "result_count": 3,
        "latency_ms": 12.5,
        "user_id": principal.user_id,
        "client_id": "client-1",
    }


async def test_a_call_finding_the_queue_full_is_written_at_once_not_dropped(
    fresh_db: Database,
) -> None:
    # given a running audit log whose queue holds nothing more
    principal = await connected_user(fresh_db)
    log = DatabaseAuditLog(lambda: fresh_db, max_queued=0)
    async with log.running():
        # when a call is recorded
        await log.record(call(principal, "whoami"))
        # then its row is there before the log is even stopped
        assert [r["tool"] for r in await audit_rows(fresh_db, principal)] == ["whoami"]


async def test_calls_recorded_while_the_database_is_away_are_written_when_it_is_back(
    fresh_db: Database, pg_server: EmbeddedServer
) -> None:
    # given a running audit log whose database goes away (nothing listens on its socket)
    principal = await connected_user(fresh_db)
    gone = create_engine(make_url(dataclasses.replace(pg_server, port=pg_server.port + 1).url("x")))
    away = Database(engine=gone, read_engine=gone)
    current = [away]
    log = DatabaseAuditLog(lambda: current[0])
    try:
        async with log.running():
            # when calls are recorded during the outage
            for tool in ("whoami", "list_objects"):
                await log.record(call(principal, tool))
            assert not await log.flush()  # refused, and kept
            assert await audit_rows(fresh_db, principal) == []
            # and the database comes back
            current[0] = fresh_db
            for _ in range(50):
                if len(await audit_rows(fresh_db, principal)) == 2:
                    break
                await asyncio.sleep(0.1)
            # then the writer retried on its own and nothing was lost
            assert [r["tool"] for r in await audit_rows(fresh_db, principal)] == [
                "whoami",
                "list_objects",
            ]
    finally:
        await gone.dispose()


async def test_a_call_whose_arguments_hold_a_nul_character_is_audited_and_blocks_nothing(
    fresh_db: Database,
) -> None:
    # given a call whose arguments carry a NUL character (PostgreSQL cannot store one) queued
    # ahead of an ordinary call
    principal = await connected_user(fresh_db)
    odd = dataclasses.replace(call(principal, "search_objects"), arguments={"query": "a\x00b"})
    log = DatabaseAuditLog(lambda: fresh_db)
    async with log.running():
        await log.record(odd)
        await log.record(call(principal, "whoami"))
    # when the log has stopped, then both are there, the NUL shown as a replacement character
    rows = await audit_rows(fresh_db, principal)
    assert [r["tool"] for r in rows] == ["search_objects", "whoami"]
    assert rows[0]["arguments"] == {"query": "a\ufffdb"}


async def test_a_row_the_database_refuses_does_not_hold_back_the_others(
    fresh_db: Database,
) -> None:
    # given a call of an org that no longer exists (its row breaks a foreign key) queued ahead
    # of an ordinary call in the same batch
    principal = await connected_user(fresh_db)
    orphan = dataclasses.replace(principal, org_id=uuid.uuid4(), connection_id=uuid.uuid4())
    log = DatabaseAuditLog(lambda: fresh_db)
    async with log.running():
        await log.record(call(orphan, "whoami"))
        await log.record(call(principal, "list_objects"))
    # when the log has stopped, then the ordinary call is written and nothing is left queued
    assert [r["tool"] for r in await audit_rows(fresh_db, principal)] == ["list_objects"]
    assert await log.flush()


async def test_a_call_keeps_the_record_ids_it_returned_up_to_the_configured_bound(
    fresh_db: Database,
) -> None:
    # given a log that keeps at most 3 record IDs per call
    principal = await connected_user(fresh_db)
    log = DatabaseAuditLog(lambda: fresh_db, max_record_ids=3)
    returned = tuple(f"acc_{n:022d}" for n in range(5))
    # when a call that returned five records is recorded
    await log.record(dataclasses.replace(call(principal, "list_records"), record_ids=returned))
    async with fresh_db.engine.connect() as conn:
        kept = await conn.scalar(
            text("SELECT record_ids FROM mcp_tool_calls WHERE connection_id = :id"),
            {"id": principal.connection_id},
        )
    # then the first three are kept, in the order the answer had them
    assert kept == list(returned[:3])


def test_the_record_ids_of_an_answer_are_found_anywhere_in_it_once_each() -> None:
    account, person, document = "acc_" + "A" * 22, "per_" + "b" * 22, "doc_" + "1" * 22
    answer = {
        "count": 2,
        "items": [
            {"id": account, "owner": {"id": person, "name": "Pat"}},
            {"id": document, "account": {"id": account}},
        ],
        "connection": {"id": "con_" + "f" * 32},  # not a record ID
        "next": None,
    }
    assert returned_ids(answer) == (account, person, document)
    assert returned_ids(answer, limit=2) == (account, person)
    assert returned_ids(None) == ()


async def test_a_call_whose_arguments_hold_nan_is_written_with_it_as_text(
    fresh_db: Database,
) -> None:
    # given a call whose JSON arguments held NaN and Infinity (JSON bodies may; JSONB may not)
    principal = await connected_user(fresh_db)
    entry = dataclasses.replace(
        call(principal, "list_objects"),
        arguments={"filters": [{"value": float("nan")}, {"value": float("inf")}]},
    )
    # when it is recorded (outside a running log: written at once)
    await DatabaseAuditLog(lambda: fresh_db).record(entry)
    # then it is there, the numbers spelled out, rather than refused and retried for ever
    (row,) = await audit_rows(fresh_db, principal)
    assert row["arguments"] == {"filters": [{"value": "nan"}, {"value": "inf"}]}
