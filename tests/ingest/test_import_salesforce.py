"""The built-in Salesforce source: a Data Export / Data Loader folder of object CSVs."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from accountlens.db.engine import Database
from accountlens.db.models import (
    Account,
    Activity,
    CustomObjectInstance,
    CustomObjectType,
    Opportunity,
    Person,
    PropertyDefinition,
    Task,
    Ticket,
    User,
)
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
        "Case.csv": (2, 0, 0), "Invoice__c.csv (object type)": (1, 0, 0),
        "Invoice__c.csv": (2, 1, 1),
    }  # fmt: skip
    assert (
        "no account with external_id or name '0015g00000ZzZzZ'" in messages(report)["Contact.csv:4"]
    )
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


async def test_salesforce_custom_objects_become_types_with_instances_linked_to_accounts(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given: Invoice__c.csv, a custom object with a lookup to Account (Account__c)
    engine = fresh_db.engine
    export = shutil.copytree(FIXTURES, tmp_path / "export")

    # when
    report = await run_import(engine, export, source="salesforce")

    # then: one type, its custom columns as fields; deleted rows skipped; a lookup to an
    # account that is not in the export refused with its line and column
    invoice = await _one(engine, select(CustomObjectType))
    assert (invoice.key, invoice.label, invoice.external_id) == ("invoice", "Invoice", "Invoice__c")
    fields = await _all(
        engine,
        select(PropertyDefinition.key, PropertyDefinition.data_type)
        .where(PropertyDefinition.object_type == "custom:invoice")
        .order_by(PropertyDefinition.position),
    )
    assert fields == [("amount", "string"), ("status", "string"), ("due_date", "string")]
    instances = {
        row[0]: row[1:]
        for row in await _all(
            engine,
            select(
                CustomObjectInstance.name,
                CustomObjectInstance.account_id,
                CustomObjectInstance.custom,
                CustomObjectInstance.created_at,
            ),
        )
    }
    brightwater = await id_of(engine, Account, "0015g00000XyZaB")
    assert instances["INV-1001"] == (
        brightwater,
        {"amount": "18000.00", "status": "Paid", "due_date": "2024-10-31"},
        datetime(2024, 10, 1, 9, tzinfo=UTC),
    )
    assert instances["INV-1002"][0] is None
    assert set(instances) == {"INV-1001", "INV-1002"}
    assert "Account__c" in messages(report)["Invoice__c.csv:5"]


async def test_salesforce_picklists_become_allowed_values_and_case_variants_one_value(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given: an export, then a later one where a stage and an industry are spelt otherwise
    engine = fresh_db.engine
    export = shutil.copytree(FIXTURES, tmp_path / "export")
    await run_import(engine, export, source="salesforce")
    opportunities = export / "Opportunity.csv"
    opportunities.write_text(
        opportunities.read_text()
        + "0065g00000PlMnQAAV,false,0015g00000XyZaBAAV,Brightwater add-on,closed won ,"
        "Existing Customer - Upgrade,5000,2024-11-30,100,0055g00000AbCdEAAV,"
        "2024-11-01T09:00:00.000Z,2024-11-30T09:00:00.000Z\n"
    )
    accounts = export / "Account.csv"
    accounts.write_text(accounts.read_text().replace(",Food & Beverage,", ",FOOD & BEVERAGE,"))

    # when
    report = await run_import(engine, export, source="salesforce")

    # then
    assert report.counts("Opportunity.csv").inserted == 1
    stages = await _all(engine, select(Opportunity.stage).distinct().order_by(Opportunity.stage))
    assert stages == [("Closed Won",), ("Negotiation/Review",)]
    industries = await _all(engine, select(Account.industry).distinct().order_by(Account.industry))
    assert industries == [("Food & Beverage",), ("Transportation",)]
    allowed = {
        f"{kind}.{key}": values
        for kind, key, values in await _all(
            engine,
            select(
                PropertyDefinition.object_type,
                PropertyDefinition.key,
                PropertyDefinition.allowed_values,
            ).where(PropertyDefinition.data_type == "enum"),
        )
    }
    assert allowed == {
        "account.industry": ["Food & Beverage", "Transportation"],
        "opportunity.stage": ["Closed Won", "Negotiation/Review"],
        "ticket.origin": ["Email", "Web"],
    }


async def _one(engine: Any, statement: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(statement)).one()


async def _all(engine: Any, statement: Any) -> list[Any]:
    async with engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(statement)]
