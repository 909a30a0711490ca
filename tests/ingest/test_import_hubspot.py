"""The built-in HubSpot source: CRM exports of companies, contacts, deals and tickets."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

from sqlalchemy import select

from accountlens.db.engine import Database
from accountlens.db.models import Account, Opportunity, Person, PropertyDefinition, Ticket, User
from accountlens.ingest.importer import ImportReport
from tests.ingest.importing import id_of, messages, run_import, write_directory

FIXTURES = Path(__file__).parent / "fixtures" / "hubspot"
COMPANIES = "hubspot-crm-exports-all-companies-2024-11-05.csv"
CONTACTS = "hubspot-crm-exports-all-contacts-2024-11-05.csv"
DEALS = "hubspot-crm-exports-all-deals-2024-11-05.csv"
TICKETS = "hubspot-crm-exports-all-tickets-2024-11-05.csv"


async def _with_rosa(db: Database, tmp_path: Path) -> None:
    """The org with one user, Rosa Quint, whom HubSpot names as an owner."""
    user = {"external_id": "u-rosa", "email": "rosa.quint@northwind.example", "name": "Rosa Quint"}
    await run_import(db.engine, write_directory(tmp_path / "users", {"users.jsonl": [user]}))


def _counts(report: ImportReport) -> dict[str, tuple[int, int, int, int]]:
    return {
        name: (c.inserted, c.updated, c.unchanged, c.rejected) for name, c in report.files.items()
    }


async def test_a_hubspot_export_imports_companies_contacts_deals_and_tickets_with_associations(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given
    engine = fresh_db.engine
    await _with_rosa(fresh_db, tmp_path)
    export = shutil.copytree(FIXTURES, tmp_path / "export")

    # when
    report = await run_import(engine, export, source="hubspot")

    # then: every object landed; rows without a company, or with an unknown one, are refused
    assert _counts(report) == {
        COMPANIES: (3, 0, 0, 0), CONTACTS: (2, 0, 0, 1), DEALS: (3, 0, 0, 1), TICKETS: (2, 0, 0, 1),
    }  # fmt: skip
    found = messages(report)
    assert (
        "Associated Company IDs (Primary) + Associated Company IDs (account)"
        in found[f"{CONTACTS}:4"]
    )
    assert "no account with external_id or name '18299999999'" in found[f"{DEALS}:5"]
    assert f"{TICKETS}:5" in found  # the quoted two-line description shifts the line numbers
    # two companies of the same name stay two; contacts follow their primary company
    harbor = await _one(engine, select(Account).where(Account.external_id == "18233457001"))
    eu = await id_of(engine, Account, "18233457003")
    jonas = await _one(engine, select(Person).where(Person.external_id == "5102"))
    assert jonas.account_id == eu
    # the export's own values and times
    assert (harbor.name, harbor.domain, harbor.employees) == (
        "Harbor & Vine Co.",
        "harborvine.example",
        120,
    )
    assert harbor.arr_amount == Decimal("5400000")
    assert harbor.created_at == datetime(2023, 2, 11, 10, 4, tzinfo=UTC)
    assert harbor.updated_at == datetime(2024, 10, 2, 8, 30, tzinfo=UTC)
    assert harbor.custom == {"city": "Portland", "country": "United States"}
    # an owner named in the export is the user of that name; one who is no user is left empty
    assert harbor.owner_id == await id_of(engine, User, "u-rosa")
    assert (
        await _scalar(engine, select(Account.owner_id).where(Account.external_id == "18233457002"))
        is None
    )
    assert any("Dana Whit" in note for note in report.notes)
    renewal = await _one(engine, select(Opportunity).where(Opportunity.external_id == "9001"))
    assert (renewal.stage, renewal.stage_category, renewal.type) == (
        "Contract Sent",
        "open",
        "expansion",
    )
    assert renewal.close_date == date(2025, 1, 15)
    assert renewal.account_id == harbor.id
    pilot = await _one(engine, select(Opportunity).where(Opportunity.external_id == "9002"))
    assert (pilot.stage_category, pilot.amount) == ("won", Decimal("12500.50"))
    closed = await _one(engine, select(Ticket).where(Ticket.external_id == "7001"))
    assert (closed.status, closed.priority) == ("closed", "high")
    assert closed.opened_at == datetime(2024, 9, 3, 7, 45, tzinfo=UTC)
    assert closed.closed_at == datetime(2024, 9, 5, 12, tzinfo=UTC)
    assert closed.requester_id == await id_of(engine, Person, "5101")
    assert "500 rows." in (closed.description or "")
    waiting = await _one(engine, select(Ticket).where(Ticket.external_id == "7002"))
    assert (waiting.status, waiting.priority, waiting.requester_id) == ("pending", "urgent", None)


async def test_hubspot_dropdowns_become_allowed_values_spelt_one_way(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given: "COMPUTER SOFTWARE " beside "Computer Software", "contract sent" beside "Contract Sent"
    engine = fresh_db.engine
    export = shutil.copytree(FIXTURES, tmp_path / "export")

    # when
    await run_import(engine, export, source="hubspot")

    # then: one value each, in the rows and in the property definitions
    industries = await _all(engine, select(Account.industry).distinct())
    assert sorted(industries) == ["Computer Software", "Food & Beverage"]
    stages = await _all(engine, select(Opportunity.stage).distinct())
    assert sorted(stages) == ["Closed Won", "Contract Sent"]
    pipelines = await _all(engine, select(Opportunity.custom["pipeline"].astext).distinct())
    assert pipelines == ["Sales Pipeline"]
    allowed = dict(
        await _rows(
            engine,
            select(
                PropertyDefinition.object_type + "." + PropertyDefinition.key,
                PropertyDefinition.allowed_values,
            ),
        )
    )
    assert allowed["account.industry"] == ["Computer Software", "Food & Beverage"]
    assert allowed["account.lifecycle_stage"] == ["Customer", "Opportunity"]
    assert allowed["opportunity.stage"] == ["Closed Lost", "Closed Won", "Contract Sent"]
    assert allowed["opportunity.pipeline"] == ["Sales Pipeline"]
    assert allowed["person.lifecycle_stage"] == ["Customer", "Lead", "Opportunity"]
    custom = dict(
        await _rows(
            engine,
            select(
                PropertyDefinition.object_type + "." + PropertyDefinition.key,
                PropertyDefinition.is_custom,
            ),
        )
    )
    assert custom["opportunity.stage"] is False
    assert custom["opportunity.pipeline"] is True


async def test_a_newer_hubspot_export_updates_what_changed_and_counts_add_up(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given: an imported export, then the same export a week later with one deal moved on
    engine = fresh_db.engine
    export = shutil.copytree(FIXTURES, tmp_path / "export")
    await run_import(engine, export, source="hubspot")
    deals = export / DEALS
    deals.write_text(
        deals.read_text().replace(
            "Contract Sent,48000,2025-01-15,Existing Business,Rosa Quint,18233457001,18233457001,"
            "2024-09-01 09:00,2024-10-20 11:00",
            "closed won,51000,2025-01-10,Existing Business,Rosa Quint,18233457001,18233457001,"
            "2024-09-01 09:00,2024-11-12 15:00",
        )
    )

    # when
    same = await run_import(engine, export, source="hubspot", dry_run=True)
    newer = await run_import(engine, export, source="hubspot")

    # then
    assert _counts(newer) == {
        COMPANIES: (0, 0, 3, 0), CONTACTS: (0, 0, 2, 1), DEALS: (0, 1, 2, 1), TICKETS: (0, 0, 2, 1),
    }  # fmt: skip
    assert _counts(same) == _counts(newer)
    rows = {name: 0 for name in newer.files}
    for name in rows:
        rows[name] = sum(
            1 for line in (export / name).read_text().splitlines()[1:] if line[:1].isdigit()
        )
    assert {name: counts.total for name, counts in newer.files.items()} == rows
    renewal = await _one(engine, select(Opportunity).where(Opportunity.external_id == "9001"))
    assert (renewal.stage, renewal.stage_category, renewal.amount) == (
        "Closed Won",
        "won",
        Decimal("51000"),
    )
    assert renewal.updated_at == datetime(2024, 11, 12, 15, tzinfo=UTC)


async def test_a_copy_of_the_hubspot_mapping_adjusted_for_own_stages_is_used_instead(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given: the shipped mapping, copied, with "Contract Sent" counted as won
    engine = fresh_db.engine
    export = shutil.copytree(FIXTURES, tmp_path / "export")
    shipped = files("accountlens.ingest.importer").joinpath("mappings/hubspot.toml").read_text()
    adjusted = shipped.replace(
        '"Closed Won" = "won",', '"Closed Won" = "won", "Contract Sent" = "won",'
    )
    assert adjusted != shipped
    mapping = tmp_path / "our-hubspot.toml"
    mapping.write_text(adjusted)

    # when
    report = await run_import(engine, export, source="hubspot", mapping=mapping)

    # then
    assert report.source == "hubspot"
    categories = dict(
        await _rows(engine, select(Opportunity.external_id, Opportunity.stage_category))
    )
    assert categories == {"9001": "won", "9002": "won", "9003": "won"}


async def _one(engine: Any, statement: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(statement)).one()


async def _scalar(engine: Any, statement: Any) -> Any:
    async with engine.connect() as conn:
        return await conn.scalar(statement)


async def _all(engine: Any, statement: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(statement)).scalars())


async def _rows(engine: Any, statement: Any) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(statement)]


async def test_a_cell_too_long_to_read_refuses_the_rest_of_its_file_and_prunes_nothing(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given an imported HubSpot export, then a newer one whose first ticket has a description
    # past the CSV reader's limit
    await _with_rosa(fresh_db, tmp_path)
    export = shutil.copytree(FIXTURES, tmp_path / "export")
    await run_import(fresh_db.engine, export, source="hubspot")
    tickets = export / TICKETS
    header, rest = tickets.read_text(encoding="utf-8").split("\n", 1)
    huge = (
        f'7999,Huge,Support Pipeline,Open,Low,"{"x" * 200_000}",Email,Rosa Quint,18233457001,'
        "5101,2024-09-03 07:45,,2024-09-05 12:00"
    )
    tickets.write_text(f"{header}\n{huge}\n{rest}", encoding="utf-8")

    # when it is imported with --prune
    report = await run_import(fresh_db.engine, export, source="hubspot", prune=True)

    # then the tickets file is refused from that line on, by name; the rest of the export is
    # read, and the tickets after the long cell (unread, not gone) are not pruned
    found = messages(report)
    assert "the rest of the file was not read" in found[f"{TICKETS}:2"]
    assert _counts(report)[DEALS] == (0, 0, 3, 1)
    async with fresh_db.engine.connect() as conn:
        subjects = set(await conn.scalars(select(Ticket.subject)))
    assert "Invoice export fails" in subjects
    assert len(subjects) == 2
