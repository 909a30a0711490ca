"""CSV files through a TOML mapping, and the traps real exports hold (issue 15 items 2 and 3)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from accountlens.db.engine import Database
from accountlens.db.models import Account, Activity, Person, Task
from accountlens.ingest.importer import ImportReport, ImportSetupError
from accountlens.ingest.importer.csv_source import CsvOverrides
from tests.ingest.importing import id_of, messages, run_import, scalar

MAPPING = Path(__file__).parent / "fixtures" / "csv" / "mapping.toml"
COMPANIES = "Company ID,Company,Website,Headcount,Annual Revenue,Renewal,Created,Trend,Sales Region,Deleted,Tier__c"  # noqa: E501
CONTACTS = "Contact ID,Company ID,First Name,Last Name,Email,Role"


def write(directory: Path, files: dict[str, str], encoding: str = "utf-8") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        (directory / name).write_bytes(body.encode(encoding))
    return directory


def export() -> dict[str, str]:
    return {
        "companies.csv": "\n".join([
            COMPANIES,
            "C-100,Globex,globex.test,5200,120000.50,31/03/2026,2023-01-15 09:00,Declining,EMEA,0,Gold",  # noqa: E501
            "C-200,Initech,,340,,,2024-06-01 10:30,stable ,NA,0,",
            "C-300,Gone Corp,,,,,,,,1,",
        ]) + "\n",
        "contacts.csv": "\n".join([
            CONTACTS,
            "P-1,C-100,Hank,Scorpio,hank@globex.test,Champion",
            "P-2,C-200,Bill,Lumbergh,bill@initech.test,Budget holder",
            "P-3,C-200,Milton,,milton@initech.test,Stapler guy",
        ]) + "\n",
        "calls.csv": "Call ID,Subject,When,Company ID\nK-1,Renewal check-in,03/04/2025 14:30,C-100\n",  # noqa: E501
        "meetings.csv": "Meeting ID,Title,Start,Company ID\nM-1,QBR,2025-05-02T09:00:00Z,C-100\n",
    }  # fmt: skip


async def csv_import(db: Database, directory: Path, **overrides: Any) -> ImportReport:
    return await run_import(
        db.engine, directory, source="csv", mapping=MAPPING, csv_options=CsvOverrides(**overrides)
    )


async def test_a_csv_export_imports_through_a_mapping_with_references_values_and_custom_fields(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given
    engine = fresh_db.engine
    directory = write(tmp_path / "export", export())

    # when
    report = await csv_import(fresh_db, directory)
    again = await csv_import(fresh_db, directory)

    # then
    assert report.rejected == []
    assert report.counts("companies.csv").inserted == 2
    assert report.counts("companies.csv").skipped == 1  # Deleted = 1
    assert report.counts("contacts.csv").inserted == 3
    assert report.counts("calls.csv").inserted == report.counts("meetings.csv").inserted == 1
    globex = await _one(engine, select(Account).where(Account.external_id == "C-100"))
    assert (globex.employees, globex.arr_amount) == (5200, Decimal("120000.50"))
    assert globex.renewal_date == date(2026, 3, 31)
    assert globex.health_trend == "down"
    assert globex.custom == {"region": "EMEA", "tier": "Gold"}
    assert globex.created_at == datetime(2023, 1, 15, 9, 0, tzinfo=UTC)
    initech = await _one(engine, select(Account).where(Account.external_id == "C-200"))
    assert (initech.health_trend, initech.arr_amount, initech.domain) == ("flat", None, None)
    people = dict(await _all(engine, select(Person.name, Person.persona)))
    assert people == {"Hank Scorpio": "champion", "Bill Lumbergh": "economic_buyer",
                      "Milton": "user"}  # fmt: skip
    bill_account = await scalar(
        engine, select(Person.account_id).where(Person.name == "Bill Lumbergh")
    )
    assert bill_account == initech.id
    kinds = dict(await _all(engine, select(Activity.subject, Activity.kind)))
    assert kinds == {"Renewal check-in": "call", "QBR": "meeting"}
    call = await scalar(engine, select(Activity.occurred_at).where(Activity.kind == "call"))
    assert call == datetime(2025, 4, 3, 14, 30, tzinfo=UTC)
    assert all(c.inserted == c.updated == 0 for c in again.files.values())
    assert again.totals().unchanged == 7  # 2 accounts, 3 people, 2 activities


async def test_a_bad_cell_or_reference_is_reported_with_file_line_and_column(
    fresh_db: Database, tmp_path: Path
) -> None:
    files = export()
    files["companies.csv"] = COMPANIES + "\nC-1,Lots Co,,lots,,,,,,0,\nC-2,,,,,,,,,0,\n"
    files["contacts.csv"] = CONTACTS + "\nP-9,C-404,Nina,North,nina@x.test,\n"

    report = await csv_import(fresh_db, write(tmp_path / "d", files))

    found = messages(report)
    assert found["companies.csv:2"] == (
        "column Headcount (employees): expected a whole number, got 'lots'"
    )
    assert "column Company (name)" in found["companies.csv:3"]
    assert "missing required field" in found["companies.csv:3"]
    assert "no account with external_id or name 'C-404'" in found["contacts.csv:2"]


# ---------------------------------------------------------------------------------------------
# One test per trap of real-world files
# ---------------------------------------------------------------------------------------------


async def test_a_utf8_file_with_a_byte_order_mark_reads_its_first_column(
    fresh_db: Database, tmp_path: Path
) -> None:
    files = export()
    files["companies.csv"] = "\ufeff" + files["companies.csv"]

    report = await csv_import(fresh_db, write(tmp_path / "d", files))

    assert report.rejected == []
    assert report.counts("companies.csv").inserted == 2


async def test_a_latin1_file_is_refused_without_encoding_and_read_right_with_it(
    fresh_db: Database, tmp_path: Path
) -> None:
    files = {"companies.csv": f"{COMPANIES}\nC-1,Société Générale,,,,,,,,0,\n"}
    directory = write(tmp_path / "d", files, encoding="latin-1")

    refused = await csv_import(fresh_db, directory)
    read = await csv_import(fresh_db, directory, encoding="latin-1")

    message = messages(refused)["companies.csv"]
    assert "not utf-8" in message
    assert "--encoding" in message
    assert refused.counts("companies.csv").inserted == 0
    assert read.rejected == []
    assert await scalar(fresh_db.engine, select(Account.name)) == "Société Générale"


async def test_semicolon_delimited_files_with_decimal_commas_read_with_decimal_comma(
    fresh_db: Database, tmp_path: Path
) -> None:
    header = COMPANIES.replace(",", ";")
    files = {"companies.csv": f"{header}\nC-1;Müller GmbH;;1.200;1.234.567,50;;;;;0;\n"}
    directory = write(tmp_path / "d", files)

    refused = await csv_import(fresh_db, directory)
    read = await csv_import(fresh_db, directory, decimal_comma=True)

    assert "--decimal-comma" in messages(refused)["companies.csv:2"]
    assert read.rejected == []
    account = await _one(fresh_db.engine, select(Account))
    assert (account.employees, account.arr_amount) == (1200, Decimal("1234567.50"))


async def test_quoted_cells_with_line_breaks_and_crlf_endings_keep_their_text_and_line_numbers(
    fresh_db: Database, tmp_path: Path
) -> None:
    calls = (
        "Call ID,Subject,Notes,When,Company ID\r\n"
        'K-1,Check-in,"Budget is tight.\r\nWants a multi-year quote.",2025-04-03T14:30:00Z,C-100\r\n'  # noqa: E501
        "K-2,Follow-up,,someday,C-100\r\n"
    )
    files = {"companies.csv": export()["companies.csv"], "calls.csv": calls}

    report = await csv_import(fresh_db, write(tmp_path / "d", files))

    body = await scalar(fresh_db.engine, select(Activity.body))
    assert body == "Budget is tight.\r\nWants a multi-year quote."
    assert set(messages(report)) == {"calls.csv:4"}  # the record after the two-line one


async def test_an_empty_cell_leaves_the_field_out_and_a_missing_required_column_stops_the_file(
    fresh_db: Database, tmp_path: Path
) -> None:
    # Website is optional in the mapping and left out of the header; Headcount is not.
    files = {"companies.csv": "Company ID,Company,Headcont\nC-1,Globex,\n"}

    report = await csv_import(fresh_db, write(tmp_path / "d", files))

    message = messages(report)["companies.csv"]
    assert "no column 'Headcount' (for employees)" in message
    assert "did you mean 'Headcont'?" in message
    fine = await csv_import(
        fresh_db, write(tmp_path / "e", {"companies.csv": export()["companies.csv"]})
    )
    assert fine.rejected == []
    initech = await _one(fresh_db.engine, select(Account).where(Account.external_id == "C-200"))
    assert (initech.arr_currency, initech.arr_amount, initech.domain) == ("USD", None, None)


async def test_an_ambiguous_date_is_refused_unless_a_date_format_says_how_to_read_it(
    fresh_db: Database, tmp_path: Path
) -> None:
    files = {"calls.csv": "Call ID,Subject,When,Company ID\nK-1,Call,03/04/2025,C-1\n",
             "companies.csv": f"{COMPANIES}\nC-1,Globex,,,,,,,,0,\n"}  # fmt: skip
    directory = write(tmp_path / "d", files)
    plain = MAPPING.read_text().replace('date_format = "%d/%m/%Y"\n', "", 1)
    (tmp_path / "plain.toml").write_text(plain)

    refused = await run_import(
        fresh_db.engine, directory, source="csv", mapping=tmp_path / "plain.toml"
    )
    read = await csv_import(fresh_db, directory, date_format="%m/%d/%Y")

    assert "ambiguous" in messages(refused)["calls.csv:2"]
    assert "--date-format" in messages(refused)["calls.csv:2"]
    assert read.rejected == []
    when = await scalar(fresh_db.engine, select(Activity.occurred_at))
    assert when == datetime(2025, 3, 4, tzinfo=UTC)


async def test_an_exact_duplicate_row_is_one_record_and_a_conflicting_one_is_rejected(
    fresh_db: Database, tmp_path: Path
) -> None:
    row = "C-1,Globex,,10,,,,,,0,"
    files = {"companies.csv": f"{COMPANIES}\n{row}\n{row}\nC-1,Globex Two,,10,,,,,,0,\n"}

    report = await csv_import(fresh_db, write(tmp_path / "d", files))

    counts = report.counts("companies.csv")
    assert (counts.inserted, counts.skipped, counts.rejected) == (1, 1, 1)
    assert "duplicate external_id 'C-1'" in messages(report)["companies.csv:4"]


async def test_two_accounts_with_the_same_name_stay_two_and_contacts_follow_their_ids(
    fresh_db: Database, tmp_path: Path
) -> None:
    files = {
        "companies.csv": f"{COMPANIES}\nC-1,Acme,acme.test,,,,,,,0,\nC-2,Acme,acme.example,,,,,,,0,\n",  # noqa: E501
        "contacts.csv": f"{CONTACTS}\nP-1,C-2,Wile,Coyote,wile@acme.example,\n",
    }  # fmt: skip

    report = await csv_import(fresh_db, write(tmp_path / "d", files))

    assert report.rejected == []
    engine = fresh_db.engine
    second = await id_of(engine, Account, "C-2")
    assert await scalar(engine, select(Person.account_id)) == second


async def _one(engine: Any, statement: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(statement)).one()


async def _all(engine: Any, statement: Any) -> list[Any]:
    async with engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(statement)]


async def test_a_mapping_with_a_mistake_stops_the_import_naming_the_key(
    fresh_db: Database, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[files]]\nfile = "a.csv"\ntarget = "acounts"\n[files.colums]\nname = "N"\n')
    directory = write(tmp_path / "d", {"a.csv": "N\nx\n"})

    with pytest.raises(ImportSetupError) as raised:
        await run_import(fresh_db.engine, directory, source="csv", mapping=bad)

    assert "files[0].target" in str(raised.value)
    assert "unknown field 'files[0].colums'; did you mean 'columns'?" in str(raised.value)
    assert await scalar(fresh_db.engine, select(Account.id)) is None


async def test_prune_removes_only_records_missing_from_a_full_export_and_only_when_asked(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given: the first export, then a newer one without Initech (and so without its people)
    engine = fresh_db.engine
    await csv_import(fresh_db, write(tmp_path / "v1", export()))
    newer = export()
    newer["companies.csv"] = "\n".join(
        line for line in newer["companies.csv"].splitlines() if not line.startswith("C-200")
    )
    newer["contacts.csv"] = "\n".join(
        line for line in newer["contacts.csv"].splitlines() if ",C-200," not in line
    )
    directory = write(tmp_path / "v2", newer)

    # when
    kept = await csv_import(fresh_db, directory)
    accounts_after_plain_run = await scalar(engine, select(func.count()).select_from(Account))
    pruned = await run_import(engine, directory, source="csv", mapping=MAPPING, prune=True)

    # then
    assert kept.pruned == {}
    assert accounts_after_plain_run == 2
    assert pruned.pruned == {"accounts.jsonl": 1, "people.jsonl": 2}
    assert await id_of(engine, Account, "C-200") is None
    assert await id_of(engine, Account, "C-100") is not None
    assert await scalar(engine, select(func.count()).select_from(Activity)) == 2


async def test_pruning_an_account_keeps_a_task_about_it_and_clears_its_account(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given: a task (created by hand, so never pruned) about Initech, then an export without it
    engine = fresh_db.engine
    await csv_import(fresh_db, write(tmp_path / "v1", export()))
    initech = await id_of(engine, Account, "C-200")
    org_id = await scalar(engine, select(Account.org_id).where(Account.id == initech))
    async with engine.begin() as conn:
        await conn.execute(
            insert(Task).values(
                org_id=org_id,
                title="Chase the stapler",
                status="open",
                priority="low",
                account_id=initech,
            )
        )
    newer = export()
    newer["companies.csv"] = "\n".join(
        line for line in newer["companies.csv"].splitlines() if not line.startswith("C-200")
    )
    newer["contacts.csv"] = "\n".join(
        line for line in newer["contacts.csv"].splitlines() if ",C-200," not in line
    )

    # when
    pruned = await run_import(
        engine, write(tmp_path / "v2", newer), source="csv", mapping=MAPPING, prune=True
    )

    # then: the account is gone, the task stays and no longer names it
    assert pruned.pruned == {"accounts.jsonl": 1, "people.jsonl": 2}
    assert await id_of(engine, Account, "C-200") is None
    task = await _one(engine, select(Task).where(Task.title == "Chase the stapler"))
    assert task.account_id is None
    assert task.org_id == org_id
