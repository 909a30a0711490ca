"""``contracts.jsonl``: imported contracts can be listed, filtered and read through GraphQL."""

from __future__ import annotations

from pathlib import Path

from accountlens.db.engine import Database
from accountlens.db.models import Contract
from tests.ingest.importing import Rows, admin_of, count, messages, run_import, write_directory
from tests.schema.helpers import data_of

ROWS: Rows = {
    "users.jsonl": [
        {"external_id": "u-ana", "email": "ana@example.com", "name": "Ana", "role": "admin"}
    ],
    "accounts.jsonl": [{"external_id": "a-globex", "name": "Globex"}],
    "contracts.jsonl": [
        {"external_id": "c-1", "account": "a-globex", "name": "Subscription 2025",
         "status": "expired", "start_date": "2025-01-01", "end_date": "2025-12-31",
         "value_amount": 40000, "value_currency": "EUR"},
        {"external_id": "c-2", "account": "a-globex", "name": "Subscription 2026",
         "status": "active", "start_date": "2026-01-01", "end_date": "2026-12-31",
         "value_amount": 48000, "value_currency": "EUR",
         "renewal_terms": "Renews for 12 months unless cancelled 60 days before the end."},
    ],
}  # fmt: skip

QUERY = """
{ contracts(filter: [{field: "status", op: EQ, value: "active"}]) {
    totalCount
    nodes { id name startDate endDate renewalTerms value { amount currency } account { name } }
} }
"""


async def test_imported_contracts_are_listed_with_their_term_value_and_account(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given
    report = await run_import(fresh_db.engine, write_directory(tmp_path / "data", ROWS))
    assert report.rejected == []

    # when
    admin = await admin_of(fresh_db.engine, "u-ana")
    data = await data_of(fresh_db, admin, QUERY)

    # then
    page = data["contracts"]
    assert page["totalCount"] == 1
    [contract] = page["nodes"]
    assert contract["id"].startswith("ctr_")
    assert contract["name"] == "Subscription 2026"
    assert (contract["startDate"], contract["endDate"]) == ("2026-01-01", "2026-12-31")
    assert contract["value"]["currency"] == "EUR"
    assert float(contract["value"]["amount"]) == 48000
    assert contract["renewalTerms"].startswith("Renews for 12 months")
    assert contract["account"] == {"name": "Globex"}


async def test_a_contract_that_ends_before_it_starts_is_rejected_with_its_line(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given
    rows: Rows = {
        **ROWS,
        "contracts.jsonl": [
            {"external_id": "c-3", "account": "a-globex", "name": "Backwards",
             "status": "active", "start_date": "2026-06-01", "end_date": "2026-01-01"},
        ],
    }  # fmt: skip

    # when
    report = await run_import(fresh_db.engine, write_directory(tmp_path / "data", rows))

    # then
    assert "end_date is before start_date" in messages(report)["contracts.jsonl:1"]
    assert await count(fresh_db.engine, Contract) == 0


CSV_MAPPING = """
[[files]]
file = "users.csv"
target = "users"
[files.columns]
external_id = "User ID"
email = "Email"
name = "Name"
role = { value = "admin" }

[[files]]
file = "companies.csv"
target = "accounts"
[files.columns]
external_id = "Company ID"
name = "Company"

[[files]]
file = "agreements.csv"
target = "contracts"
picklists = ["status"]
[files.columns]
external_id = "Agreement ID"
account = "Company ID"
name = "Title"
status = { column = "State", values = { "in force" = "active", "*" = "expired" } }
start_date = "Starts"
end_date = "Ends"
value_amount = "Value"
value_currency = { value = "EUR" }
renewal_terms = "Renewal"
"""


async def test_a_csv_export_of_agreements_imports_as_contracts_through_a_mapping(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given an export with a users, a companies and an agreements file, and a mapping that
    # makes the agreements our contracts
    directory = tmp_path / "export"
    directory.mkdir()
    (directory / "users.csv").write_text("User ID,Email,Name\nU-1,ana@example.com,Ana\n")
    (directory / "companies.csv").write_text("Company ID,Company\nC-1,Globex\n")
    (directory / "agreements.csv").write_text(
        "Agreement ID,Company ID,Title,State,Starts,Ends,Value,Renewal\n"
        "K-1,C-1,Subscription 2025,Lapsed,2025-01-01,2025-12-31,40000,\n"
        "K-2,C-1,Subscription 2026,In force,2026-01-01,2026-12-31,48000,Renews for 12 months\n"
    )
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(CSV_MAPPING)

    # when
    report = await run_import(fresh_db.engine, directory, source="csv", mapping=mapping)

    # then
    assert report.rejected == []
    assert report.counts("agreements.csv").inserted == 2
    admin = await admin_of(fresh_db.engine, "U-1")
    [contract] = (await data_of(fresh_db, admin, QUERY))["contracts"]["nodes"]
    assert contract["name"] == "Subscription 2026"
    assert (contract["startDate"], contract["endDate"]) == ("2026-01-01", "2026-12-31")
    assert float(contract["value"]["amount"]) == 48000
    assert contract["value"]["currency"] == "EUR"
    assert contract["renewalTerms"] == "Renews for 12 months"
    assert contract["account"] == {"name": "Globex"}
