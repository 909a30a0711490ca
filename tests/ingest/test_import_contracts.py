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
