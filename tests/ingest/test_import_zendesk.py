"""The built-in Zendesk source: the full JSON export (organizations, users, tickets) and CSV."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from accountlens.db.engine import Database
from accountlens.db.models import Account, Person, PropertyDefinition, Ticket, User
from accountlens.ingest.importer import ImportReport
from tests.ingest.importing import id_of, messages, run_import

FIXTURES = Path(__file__).parent / "fixtures" / "zendesk"


def _counts(report: ImportReport) -> dict[str, tuple[int, int, int, int, int]]:
    return {
        name: (c.inserted, c.updated, c.unchanged, c.rejected, c.skipped)
        for name, c in report.files.items()
    }


async def test_a_zendesk_export_imports_organizations_people_agents_and_tickets(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given
    engine = fresh_db.engine
    export = shutil.copytree(FIXTURES, tmp_path / "export")

    # when
    report = await run_import(engine, export, source="zendesk")

    # then: end users become people, agents and admins users (one file, two targets)
    assert _counts(report) == {
        "organizations.json": (2, 0, 0, 0, 0),
        "users.json (people)": (2, 0, 0, 1, 2),
        "users.json (users)": (2, 0, 0, 0, 3),
        "tickets.csv": (2, 0, 0, 1, 0),
        "tickets.json": (3, 0, 0, 2, 0),
    }
    found = messages(report)
    assert (
        "missing required field 'key organization_id (account)'" in found["users.json (people):3"]
    )
    assert "key organization_id + organization.id (account)" in found["tickets.json:3"]
    assert "invalid JSON" in found["tickets.json:5"]
    assert "no account with external_id or name 'No Such Org'" in found["tickets.csv:4"]
    harbor = await _one(engine, select(Account).where(Account.external_id == "360001"))
    assert (harbor.name, harbor.domain) == ("Harbor & Vine Co.", "harborvine.example")
    assert harbor.custom["tags"] == ["enterprise", "wholesale"]
    assert harbor.created_at == datetime(2022, 3, 14, 9, 12, tzinfo=UTC)
    mei = await _one(engine, select(Person).where(Person.external_id == "9101"))
    assert (mei.account_id, mei.email, mei.custom) == (
        harbor.id,
        "mei@harborvine.example",
        {"tags": ["champion"]},
    )
    agents = dict(await _rows(engine, select(User.email, User.role)))
    assert agents == {"sam@ourdesk.example": "member", "ada@ourdesk.example": "admin"}
    # tickets: status, priority, tags and the source's times
    solved = await _one(engine, select(Ticket).where(Ticket.external_id == "501"))
    assert (solved.status, solved.priority, solved.requester_id) == ("solved", "high", mei.id)
    assert solved.custom == {
        "tags": ["tracking", "sla_breach"],
        "type": "incident",
        "channel": "email",
    }
    assert solved.opened_at == datetime(2024, 9, 3, 7, 45, tzinfo=UTC)
    assert solved.closed_at == datetime(2024, 9, 5, 11, 58, tzinfo=UTC)
    assert solved.updated_at == datetime(2024, 9, 5, 12, tzinfo=UTC)
    on_hold = await _one(engine, select(Ticket).where(Ticket.external_id == "502"))
    assert (on_hold.status, on_hold.priority, on_hold.closed_at) == ("on_hold", "normal", None)
    # a requester who is not among the people is left empty, and the report says so
    unknown = await _one(engine, select(Ticket).where(Ticket.external_id == "504"))
    assert (unknown.requester_id, unknown.account_id) == (None, harbor.id)
    assert any("requester '9999'" in note for note in report.notes)
    # the CSV export names organizations and requesters: found by name and e-mail
    billing = await _one(engine, select(Ticket).where(Ticket.external_id == "602"))
    assert billing.account_id == await id_of(engine, Account, "360002")
    assert billing.requester_id == await id_of(engine, Person, "9102")  # LARS@kestrel.example
    damage = await _one(engine, select(Ticket).where(Ticket.external_id == "601"))
    assert damage.custom["tags"] == ["damage", "claims"]
    assert damage.closed_at == datetime(2024, 11, 2, 9, 55, tzinfo=UTC)
    # ticket types of both files are one list, each value spelt once
    allowed = await _one(
        engine,
        select(PropertyDefinition.allowed_values).where(
            PropertyDefinition.object_type == "ticket", PropertyDefinition.key == "type"
        ),
    )
    assert allowed[0] == ["incident", "question"]


async def test_re_importing_a_zendesk_export_changes_nothing_and_counts_add_up(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given
    engine = fresh_db.engine
    export = shutil.copytree(FIXTURES, tmp_path / "export")
    first = await run_import(engine, export, source="zendesk")

    # when
    again = await run_import(engine, export, source="zendesk")

    # then: the same rows rejected, everything else unchanged, and each file's rows counted once
    assert {name: c.total for name, c in again.files.items()} == {
        name: c.total for name, c in first.files.items()
    }
    assert again.totals().inserted == again.totals().updated == 0
    assert again.totals().unchanged == first.totals().inserted
    assert again.totals().rejected == first.totals().rejected == 4, first.rejected
    assert {name: c.total for name, c in again.files.items()} == {
        "organizations.json": 2, "users.json (people)": 5, "users.json (users)": 5,
        "tickets.csv": 3, "tickets.json": 5,
    }  # fmt: skip


async def _one(engine: Any, statement: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(statement)).one()


async def _rows(engine: Any, statement: Any) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(statement)]
