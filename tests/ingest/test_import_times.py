"""Imported records keep their source's times, and the timeline dates events by them."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from accountlens.db.engine import Database
from accountlens.db.models import Account, Activity, DataSource, Task, Ticket
from accountlens.schema.ids import encode_id
from tests.ingest.importing import (
    admin_of,
    id_of,
    messages,
    run_import,
    scalar,
    write_directory,
)
from tests.schema.helpers import data_of

NOW = datetime.now(UTC).replace(microsecond=0)


def iso(days_ago: int) -> str:
    return (NOW - timedelta(days=days_ago)).isoformat()


def workspace() -> dict[str, list[Any]]:
    return {
        "users.jsonl": [{"external_id": "u-ana", "email": "ana@acme.test", "name": "Ana",
                         "role": "admin"}],
        "accounts.jsonl": [{"external_id": "a-1", "name": "Globex",
                            "created_at": iso(700), "updated_at": iso(40)}],
        "tasks.jsonl": [
            # created 80 days ago, done 50 days ago: not an event of the last 30 days
            {"external_id": "k-old", "title": "Archive last year's onboarding plan",
             "status": "done", "account": "a-1", "created_at": iso(80),
             "completed_at": iso(50)},
            # no created_at: dated by its completion, never by the import
            {"external_id": "k-done", "title": "Send the QBR deck", "status": "done",
             "account": "a-1", "completed_at": iso(45)},
            {"external_id": "k-new", "title": "Plan the renewal", "status": "open",
             "account": "a-1", "created_at": iso(3)},
        ],
        "activities.jsonl": [{"external_id": "act-1", "kind": "call", "subject": "Check-in",
                              "occurred_at": iso(10), "account": "a-1"}],
        "tickets.jsonl": [{"external_id": "t-1", "account": "a-1", "subject": "SSO broken",
                           "status": "closed", "opened_at": iso(60), "closed_at": iso(58),
                           "updated_at": iso(58)}],
    }  # fmt: skip


async def test_imported_records_keep_the_created_and_updated_times_of_their_source(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given
    engine = fresh_db.engine

    # when
    report = await run_import(engine, write_directory(tmp_path / "d", workspace()))

    # then
    assert report.rejected == []
    account = (await _rows(engine, select(Account.created_at, Account.updated_at)))[0]
    assert account == (NOW - timedelta(days=700), NOW - timedelta(days=40))
    created = dict(await _rows(engine, select(Task.external_id, Task.created_at)))
    assert created["k-old"] == NOW - timedelta(days=80)
    assert created["k-done"] == NOW - timedelta(days=45)  # its completion, not the load time
    activity = await scalar(engine, select(Activity.created_at))
    assert activity == NOW - timedelta(days=10)
    ticket = (await _rows(engine, select(Ticket.created_at, Ticket.updated_at)))[0]
    assert ticket == (NOW - timedelta(days=60), NOW - timedelta(days=58))


async def test_the_timeline_dates_imported_events_by_when_they_happened_in_the_source(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given
    engine = fresh_db.engine
    await run_import(engine, write_directory(tmp_path / "d", workspace()))
    admin = await admin_of(engine, "u-ana")
    account = encode_id("account", await id_of(engine, Account, "a-1"))
    query = """query($id: ID!, $since: String) {
      accountTimeline(accountId: $id, since: $since, first: 50) {
        nodes { kind title at } } }"""

    # when
    recent = await data_of(fresh_db, admin, query, id=account, since="-30d")
    all_time = await data_of(fresh_db, admin, query, id=account, since="-90d")

    # then
    titles = [node["title"] for node in recent["accountTimeline"]["nodes"]]
    assert titles == ["Plan the renewal", "Check-in"]
    events = {n["title"]: n["at"] for n in all_time["accountTimeline"]["nodes"]}
    assert _at(events["Archive last year's onboarding plan"]) == NOW - timedelta(days=80)
    assert _at(events["Send the QBR deck"]) == NOW - timedelta(days=45)
    assert _at(events["SSO broken"]) == NOW - timedelta(days=60)


async def test_a_newer_source_updated_at_updates_a_record_and_an_identical_one_does_not(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given
    engine = fresh_db.engine
    rows = workspace()
    await run_import(engine, write_directory(tmp_path / "v1", rows))
    again = await run_import(engine, write_directory(tmp_path / "v1", rows))
    newer = copy.deepcopy(rows)
    newer["accounts.jsonl"][0]["updated_at"] = iso(1)

    # when
    report = await run_import(engine, write_directory(tmp_path / "v2", newer))

    # then
    assert again.counts("accounts.jsonl").unchanged == 1
    assert report.counts("accounts.jsonl").updated == 1
    assert await scalar(engine, select(Account.updated_at)) == NOW - timedelta(days=1)


async def test_an_updated_at_earlier_than_created_at_is_rejected_with_its_line(
    fresh_db: Database, tmp_path: Path
) -> None:
    rows = {"accounts.jsonl": [{"external_id": "a-1", "name": "Globex",
                                "created_at": iso(10), "updated_at": iso(20)}]}  # fmt: skip

    report = await run_import(fresh_db.engine, write_directory(tmp_path / "d", rows))

    assert "updated_at" in messages(report)["accounts.jsonl:1"]
    assert "earlier than created_at" in messages(report)["accounts.jsonl:1"]


async def _rows(engine: Any, statement: Any) -> list[Any]:
    async with engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(statement)]


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_each_import_records_when_its_source_was_last_imported_and_a_dry_run_does_not(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given
    engine = fresh_db.engine
    directory = write_directory(tmp_path / "d", workspace())
    before = datetime.now(UTC)

    # when
    await run_import(engine, directory, dry_run=True)
    after_dry_run = await _rows(engine, select(DataSource.source, DataSource.last_imported_at))
    await run_import(engine, directory)
    first = await scalar(engine, select(DataSource.last_imported_at))
    await run_import(engine, directory)  # nothing changes, but the data is fresh as of now

    # then
    assert after_dry_run == []
    rows = await _rows(engine, select(DataSource.source, DataSource.last_imported_at))
    assert [source for source, _ in rows] == ["jsonl"]
    assert before <= first < rows[0][1]
