"""Contracts: each customer's current subscription term, its earlier terms, the odd order form.

Drawn from a stream of their own (``…/account/<n>/contracts``), so adding contracts left every
other generated row, and so every answer built on them, unchanged.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from accountlens.ingest.demo.accounts import AccountProfile
from accountlens.ingest.demo.cast import OrgContext
from accountlens.ingest.demo.rand import midnight, new_id
from accountlens.ingest.demo.writer import Batch

RENEWAL_TERMS = (
    "Renews automatically for 12 months unless either party gives 60 days' notice.",
    "Renews automatically for 12 months; price uplift capped at 5 %.",
    "Renews by mutual written agreement before the end date.",
    "Renews automatically for 24 months unless cancelled 90 days before the end date.",
)


def _year_before(day: date) -> date:
    return (
        day.replace(year=day.year - 1) if (day.month, day.day) != (2, 29) else day - timedelta(365)
    )


def add_contracts(ctx: OrgContext, account: AccountProfile, out: Batch) -> None:
    """The current term ends on the account's renewal date; older terms expired back to back."""
    if account.lifecycle == "prospect" or account.renewal is None:
        return
    rng = ctx.rng("account", account.index, "contracts")
    terms = rng.choice(RENEWAL_TERMS)
    end = account.renewal
    value = account.arr
    for term in range(rng.randint(1, 3)):
        start = _year_before(end)
        current = term == 0
        status = ("active" if start <= ctx.anchor else "draft") if current else "expired"
        created = midnight(start) - timedelta(days=rng.randrange(7, 45))
        out.record(
            "contracts",
            ctx.id,
            new_id(rng),
            min(created, ctx.now),
            account_id=account.id,
            name=f"Subscription agreement {start.year}-{end.year}",
            status=status,
            start_date=start,
            end_date=end,
            value_amount=value,
            value_currency=account.currency,
            renewal_terms=terms,
        )
        end = start - timedelta(days=1)
        if value is not None:
            value = (value * Decimal(rng.uniform(0.75, 0.95))).quantize(Decimal("0.01"))
