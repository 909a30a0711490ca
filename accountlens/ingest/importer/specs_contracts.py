"""Spec of ``contracts.jsonl``: an account's contracts, referenced by the account's external ID."""

from __future__ import annotations

from typing import Any

from accountlens.db.models import Contract
from accountlens.ingest.importer.formats import ContractRow
from accountlens.ingest.importer.load import table_of
from accountlens.ingest.importer.records import RecordSpec, with_custom
from accountlens.ingest.importer.resolve import Ref, Resolved


class ContractSpec(RecordSpec[ContractRow]):
    file = "contracts.jsonl"
    kind = "contract"
    model = ContractRow
    table = table_of(Contract)

    def refs(self, row: ContractRow) -> list[Ref]:
        return [Ref("account", "account", row.account)]

    def values(self, row: ContractRow, refs: Resolved) -> dict[str, Any]:
        columns = row.model_dump(exclude={"external_id", "custom", "account"})
        columns.update(account_id=refs.id("account"))
        return with_custom(row, columns)
