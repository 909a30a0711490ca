"""Spec of ``contracts.jsonl``: an account's contracts, referenced by the account's external ID."""

from __future__ import annotations

from typing import Any

from accountlens.db.models import Contract
from accountlens.ingest.importer.formats import ContractRow
from accountlens.ingest.importer.load import table_of
from accountlens.ingest.importer.records import RecordSpec, referencing
from accountlens.ingest.importer.resolve import Ref, Resolved


class ContractSpec(RecordSpec[ContractRow]):
    file = "contracts.jsonl"
    kind = "contract"
    model = ContractRow
    table = table_of(Contract)

    def refs(self, row: ContractRow) -> list[Ref]:
        return [Ref("account", "account", row.account)]

    def values(self, row: ContractRow, refs: Resolved) -> dict[str, Any]:
        return referencing(row, refs, "account")
