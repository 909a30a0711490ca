"""Opportunities and the stage moves that got them where they are.

Open deals close between today and about nine months out, roughly 40% of them within the
current quarter, so "open opportunities over $50k closing this quarter" always has answers.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from accountlens.ingest.demo.accounts import AccountProfile
from accountlens.ingest.demo.cast import OrgContext
from accountlens.ingest.demo.properties import LOST_STAGE, OPEN_STAGES, WON_STAGE
from accountlens.ingest.demo.rand import count_around, midnight, new_id, weighted
from accountlens.ingest.demo.stories import Deal
from accountlens.ingest.demo.vocab import FEATURES
from accountlens.ingest.demo.writer import Batch

_PROBABILITY = {"Discovery": 10, "Qualification": 25, "Proposal": 50, "Negotiation": 75}
_TYPES_BY_LIFECYCLE = {
    "prospect": [("new", 1.0)],
    "onboarding": [("new", 2.0), ("expansion", 1.0)],
    "customer": [("renewal", 3.0), ("expansion", 2.0), ("new", 1.0)],
    "churned": [("renewal", 2.0), ("new", 1.0)],
}


def quarter_end(day: date) -> date:
    """The last day of ``day``'s calendar quarter."""
    first_month_next = 3 * ((day.month - 1) // 3) + 4
    if first_month_next > 12:
        return date(day.year, 12, 31)
    return date(day.year, first_month_next, 1) - timedelta(days=1)


def _amount(rng: random.Random, account: AccountProfile, kind: str) -> Decimal:
    base = float(account.arr) if account.arr else account.employees * rng.uniform(40, 160)
    factor = {
        "renewal": rng.uniform(0.9, 1.1),
        "expansion": rng.uniform(0.1, 0.45),
        "new": rng.uniform(0.6, 1.2),
    }[kind]
    return Decimal(max(5_000, int(base * factor / 100) * 100))


def _name(account: AccountProfile, kind: str, close: date, rng: random.Random) -> str:
    if kind == "renewal":
        return f"{account.name} – Renewal FY{close.year}"
    if kind == "expansion":
        return f"{account.name} – Expansion: {rng.choice(FEATURES)}"
    return f"{account.name} – New business"


def add_opportunities(ctx: OrgContext, account: AccountProfile, out: Batch) -> None:
    """The account's deals, scripted ones first, and their stage histories."""
    rng = ctx.rng("account", account.index, "opportunities")
    deals: list[tuple[str, str, Decimal, date]] = []
    story_deals: tuple[Deal, ...] = account.story.open_deals if account.story else ()
    for deal in story_deals:
        close = ctx.anchor + timedelta(days=deal.days_to_close)
        deals.append((deal.type, deal.stage, Decimal(deal.amount), close))
    count = count_around(rng, ctx.preset.opportunities * account.weight)
    if account.lifecycle == "prospect":
        count = max(1, min(count, 2))
    this_quarter_end = quarter_end(ctx.anchor)
    for _ in range(count):
        kind = weighted(rng, _TYPES_BY_LIFECYCLE[account.lifecycle])
        category = (
            "open"
            if account.lifecycle == "prospect"
            else weighted(rng, [("open", 4), ("won", 4.5), ("lost", 1.5)])
        )
        if account.lifecycle == "churned" and category == "open":
            category = "lost"
        if category == "open":
            stage = rng.choice(OPEN_STAGES)
            if rng.random() < 0.4:
                close = ctx.anchor + timedelta(
                    days=rng.randrange((this_quarter_end - ctx.anchor).days + 1)
                )
            else:
                close = this_quarter_end + timedelta(days=rng.randrange(1, 270))
        else:
            stage = WON_STAGE if category == "won" else LOST_STAGE
            close = ctx.anchor - timedelta(days=rng.randrange(5, 720))
        deals.append((kind, stage, _amount(rng, account, kind), close))

    for kind, stage, amount, close in deals:
        _add_deal(ctx, account, rng, out, kind, stage, amount, close)


def _add_deal(
    ctx: OrgContext, account: AccountProfile, rng: random.Random, out: Batch,
    kind: str, stage: str, amount: Decimal, close: date,
) -> None:  # fmt: skip
    category = "won" if stage == WON_STAGE else "lost" if stage == LOST_STAGE else "open"
    if category == "open":
        created = ctx.now - timedelta(days=rng.randrange(5, 200), minutes=rng.randrange(1440))
        end = ctx.now - timedelta(hours=1)
        path = list(OPEN_STAGES[: OPEN_STAGES.index(stage) + 1])
        probability = _PROBABILITY[stage]
    else:
        end = midnight(close) + timedelta(hours=rng.randrange(9, 18))
        created = end - timedelta(days=rng.randrange(30, 180))
        reached = OPEN_STAGES[: rng.randrange(1, len(OPEN_STAGES) + 1)]
        path = [*(OPEN_STAGES if category == "won" else reached), stage]
        probability = 100 if category == "won" else 0
    created = max(created, account.created_at)
    end = max(end, created + timedelta(hours=len(path)))
    owner = account.owner if rng.random() < 0.85 else rng.choice(account.staff)
    opportunity_id = new_id(rng)
    moments = sorted(created + (end - created) * rng.random() for _ in path[1:])
    moments = [created, *moments]
    out.record(
        "opportunities",
        ctx.id,
        opportunity_id,
        created,
        updated_at=moments[-1],
        account_id=account.id,
        name=_name(account, kind, close, rng),
        type=kind,
        stage=stage,
        stage_category=category,
        amount=amount,
        currency=account.currency,
        close_date=close,
        probability=probability,
        owner_id=owner.id,
    )
    previous: str | None = None
    for to_stage, moment in zip(path, moments, strict=True):
        out.record(
            "opportunity_stage_changes",
            ctx.id,
            new_id(rng),
            moment,
            opportunity_id=opportunity_id,
            account_id=account.id,
            from_stage=previous,
            to_stage=to_stage,
            changed_at=moment,
            changed_by_id=owner.id,
        )
        previous = to_stage
