"""The ``Contract`` type: an agreement an account has signed."""

from __future__ import annotations

from datetime import date

import strawberry

from accountlens.schema.types.base import AppInfo, Money, Record, field, load_node, money
from accountlens.schema.types.crm import Account


@strawberry.type(description="A contract an account has signed: its term, value and renewal.")
class Contract(Record):
    TYPE_KEY = "contract"
    name: str
    status: str = strawberry.field(description="draft, active, expired or terminated.")
    start_date: date
    end_date: date | None
    renewal_terms: str | None = strawberry.field(description="How the contract renews.")

    @field("Contract value.")
    def value(self) -> Money | None:
        return money(self.row["value_amount"], self.row["value_currency"])

    @field("The account.")
    async def account(self, info: AppInfo) -> Account | None:
        return await load_node(info, Account, self.row["account_id"])
