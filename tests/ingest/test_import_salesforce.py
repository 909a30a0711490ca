"""The built-in Salesforce source: a Data Export / Data Loader folder of object CSVs."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from accountlens.db.engine import Database
from accountlens.db.models import Account, Activity, Opportunity, Person, Task, Ticket, User
from tests.ingest.importing import id_of, messages, run_import, scalar

FIXTURES = Path(__file__).parent / "fixtures" / "salesforce"


async def test_a_salesforce_export_imports_objects_with_references_times_and_custom_fields(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given
    engine = fresh_db.engine
    export = shutil.copytree(FIXTURES, tmp_path / "export")

    # when
    report = await run_import(engine, export, source="salesforce")
    again = await run_import(engine, export, source="salesforce")

    # then: every object landed, deleted rows skipped, the contact of a missing account refused
    counts = {name: (c.inserted, c.rejected, c.skipped) for name, c in report.files.items()}
    assert counts == {
        "User.csv": (2, 0, 0), "Account.csv": (2, 0, 1), "Contact.csv": (2, 1, 0),
        "Opportunity.csv": (2, 0, 0), "Task.csv": (2, 0, 0), "Event.csv": (1, 0, 0),
        "Case.csv": (2, 0, 0),
    }  # fmt: skip
    assert "no account with external_id or name '0015g00000ZzZzZ'" in messages(report)["Contact.csv:4"]
    # 15- and 18-character IDs of the same record match
    brightwater = await _one(engine, select(Account).where(Account.name == "Brightwater Logistics"))
    assert brightwater.external_id == "0015g00000XyZaB"
    assert brightwater.owner_id == await id_of(engine, User, "0055g00000AbCdE")
    imani = await _one(engine, select(Person).where(Person.email.like("imani%")))
    assert imani.account_id == brightwater.id
    # the source's own times and values
    assert brightwater.created_at == datetime(2022, 3, 14, 9, 12, tzinfo=UTC)
    assert brightwater.updated_at == datetime(2024, 10, 30, 16, 40, tzinfo=UTC)
    assert brightwater.custom == {"churn_risk": "High", "tier": "Gold"}
    assert (brightwater.employees, brightwater.arr_amount) == (870, Decimal("4250000"))
    stages = dict(await _all(engine, select(Opportunity.name, Opportunity.stage_category)))
    assert stages == {"Brightwater renewal FY25": "open", "Kestrel pilot": "won"}
    task = await _one(engine, select(Task).where(Task.title == "Send revised quote"))
    assert (task.status, task.priority) == ("done", "high")
    assert task.completed_at == datetime(2024, 10, 19, 14, 5, tzinfo=UTC)
    assert task.description == "Include the three-year option.\nAsk about the fleet expansion."
    meeting = await _one(engine, select(Activity))
    assert (meeting.kind, meeting.occurred_at) == (
        "meeting",
        datetime(2024, 10, 22, 15, tzinfo=UTC),
    )
    closed = await _one(engine, select(Ticket).where(Ticket.status == "closed"))
    assert closed.opened_at == datetime(2024, 9, 3, 7, 45, tzinfo=UTC)
    assert closed.closed_at == datetime(2024, 9, 5, 12, tzinfo=UTC)
    assert closed.requester_id == imani.id
    assert await scalar(engine, select(User.is_active).where(User.name == "Omar Hale")) is False
    # a re-run of the same export changes nothing
    assert again.totals().inserted == again.totals().updated == 0


async def _one(engine: Any, statement: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(statement)).one()


async def _all(engine: Any, statement: Any) -> list[Any]:
    async with engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(statement)]
