"""One account and its people: firmographics, health, ownership, contacts, segment membership.

The :class:`AccountProfile` decided here drives everything else generated for the account: an
at-risk account gets recent tickets, declining usage and renewal-risk meetings; a strategic one
gets executive sponsors; who owns it and who is on its account team decides who may see it.
"""

from __future__ import annotations

import math
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from accountlens.ingest.demo.cast import OrgContext, UserInfo
from accountlens.ingest.demo.properties import TIERS
from accountlens.ingest.demo.rand import new_id, weighted
from accountlens.ingest.demo.stories import STORIES, Story
from accountlens.ingest.demo.vocab import (
    COMPANY_CORES,
    COMPANY_PREFIXES,
    COMPANY_SUFFIXES,
    INDUSTRIES,
    REGIONS,
)
from accountlens.ingest.demo.writer import Batch

STRATEGIC_ARR = 250_000
ACCOUNT_TEAM_ROLES = ("CSM", "AE", "SE", "Exec sponsor")


@dataclass(frozen=True, slots=True)
class PersonInfo:
    id: uuid.UUID
    name: str
    persona: str


@dataclass(slots=True)
class AccountProfile:
    index: int
    id: uuid.UUID
    name: str
    domain: str
    created_at: datetime
    weight: float
    employees: int
    lifecycle: str
    health: int | None
    trend: str | None
    seats: int | None
    arr: Decimal | None
    currency: str
    renewal: date | None
    team: str | None
    owner: UserInfo
    account_team: list[UserInfo]
    segments: tuple[str, ...]
    story: Story | None
    people: list[PersonInfo] = field(default_factory=list)

    @property
    def situation(self) -> str:
        """Which meeting topics and trends fit: at_risk, onboarding, expansion, prospect …"""
        if "At Risk" in self.segments:
            return "at_risk"
        if self.lifecycle in ("onboarding", "prospect"):
            return self.lifecycle
        if "Expansion Candidates" in self.segments:
            return "expansion"
        return "steady"

    @property
    def staff(self) -> list[UserInfo]:
        """Users who work the account: the owner first, then the account team."""
        return [self.owner, *self.account_team]

    @property
    def has_usage(self) -> bool:
        return self.lifecycle in ("customer", "onboarding")


def _company_name(rng: random.Random, used: set[str]) -> str:
    for _ in range(50):
        name = rng.choice(COMPANY_PREFIXES) + " " + rng.choice(COMPANY_CORES)
        name += rng.choice(COMPANY_SUFFIXES)
        if name not in used:
            return name
    return f"{name} {rng.choice(REGIONS)} {len(used)}"


def _domain(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower()) + ".example"


def _team_for(
    ctx: OrgContext, rng: random.Random, arr: Decimal | None, employees: int
) -> str | None:
    if rng.random() < 0.08:
        return None
    if arr is not None and arr >= STRATEGIC_ARR:
        return "Strategic"
    return "Enterprise" if employees >= 1000 else "Mid-Market"


def _health(rng: random.Random, lifecycle: str) -> tuple[int | None, str | None]:
    if lifecycle == "prospect":
        return None, None
    mean, spread = {"customer": (68, 18), "onboarding": (62, 10), "churned": (18, 8)}[lifecycle]
    score = max(0, min(100, round(rng.gauss(mean, spread))))
    if score < 45:
        trend = weighted(rng, [("down", 6), ("flat", 3), ("up", 1)])
    elif score > 75:
        trend = weighted(rng, [("down", 1), ("flat", 4), ("up", 5)])
    else:
        trend = weighted(rng, [("down", 3), ("flat", 5), ("up", 2)])
    return score, trend


def _segments(
    lifecycle: str, health: int | None, trend: str | None, arr: Decimal | None
) -> tuple[str, ...]:
    found = []
    if lifecycle == "customer" and health is not None:
        if health < 45 or (health < 55 and trend == "down"):
            found.append("At Risk")
        elif health >= 75 and trend == "up":
            found.append("Expansion Candidates")
    if lifecycle in ("customer", "onboarding") and arr is not None and arr >= STRATEGIC_ARR:
        found.insert(0, "Strategic")
    return tuple(found)


def _pick_owner(
    ctx: OrgContext, rng: random.Random, team: str | None, story: Story | None
) -> UserInfo:
    if story is not None and story.owner is not None:
        return ctx.named[story.owner]
    pool = ctx.reps_by_team.get(team or "") or ctx.reps
    return rng.choice(pool)


def profile_account(ctx: OrgContext, index: int, used_names: set[str]) -> AccountProfile:
    """Decide who the account is; named accounts follow their story."""
    rng = ctx.rng("account", index)
    named = ctx.spec.named_accounts
    name = named[index] if index < len(named) else _company_name(rng, used_names)
    used_names.add(name)
    story = STORIES.get((ctx.spec.slug, name))
    weight = min(5.0, max(0.2, math.exp(rng.gauss(-0.125, 0.5))))

    if story is not None:
        lifecycle, employees = story.lifecycle, story.employees
        health, trend = story.health, story.trend
        seats = story.seats or None
        price = story.seat_price
        weight = max(weight, 1.5)
    else:
        lifecycle = weighted(
            rng, [("prospect", 1), ("onboarding", 1), ("customer", 7.2), ("churned", 0.8)]
        )
        employees = int(min(250_000, max(12, math.exp(rng.gauss(6.0, 1.4)))))
        health, trend = _health(rng, lifecycle)
        seats = (
            None
            if lifecycle == "prospect"
            else min(5000, max(5, int(employees * rng.uniform(0.03, 0.25))))
        )
        price = rng.choice((240, 360, 480, 600, 900, 1200))
    arr = Decimal(seats * price) if seats and lifecycle in ("customer", "onboarding") else None

    if story is not None:
        team = story.team
        renewal = (
            None if story.renewal_in_days is None else ctx.anchor + timedelta(story.renewal_in_days)
        )
        segments = story.segments
    else:
        team = _team_for(ctx, rng, arr, employees)
        renewal = {
            "customer": ctx.anchor + timedelta(days=rng.randrange(7, 365)),
            "onboarding": ctx.anchor + timedelta(days=rng.randrange(240, 365)),
            "churned": ctx.anchor - timedelta(days=rng.randrange(10, 300)),
        }.get(lifecycle)
        segments = _segments(lifecycle, health, trend, arr)

    owner = _pick_owner(ctx, rng, team, story)
    account_team = _account_team(ctx, rng, owner, story)
    currency = "USD"
    if ctx.spec.visibility == "open" and story is None:
        currency = weighted(rng, [("USD", 7), ("EUR", 2), ("GBP", 1)])
    age_days = rng.randrange(20, 120) if lifecycle == "onboarding" else rng.randrange(90, 1500)
    return AccountProfile(
        index=index,
        id=new_id(rng),
        name=name,
        domain=_domain(name),
        created_at=ctx.now - timedelta(days=age_days, minutes=rng.randrange(1440)),
        weight=weight,
        employees=employees,
        lifecycle=lifecycle,
        health=health,
        trend=trend,
        seats=seats,
        arr=arr,
        currency=currency,
        renewal=renewal,
        team=team,
        owner=owner,
        account_team=account_team,
        segments=segments,
        story=story,
    )


def _account_team(
    ctx: OrgContext, rng: random.Random, owner: UserInfo, story: Story | None
) -> list[UserInfo]:
    others = [rep for rep in ctx.reps if rep.id != owner.id]
    team = rng.sample(others, k=min(len(others), 1 + (rng.random() < 0.5)))
    wanted = list(story.account_team) if story is not None else []
    barred = story.never_on_team if story is not None else ()
    # The account-team member of the restricted org sees ~10% of accounts through account teams.
    if "account_team" in ctx.named and "account_team" not in barred and rng.random() < 0.1:
        wanted.append("account_team")
    for key in wanted:
        user = ctx.named[key]
        if user.id != owner.id and user not in team:
            team.append(user)
    return team


def add_account(ctx: OrgContext, account: AccountProfile, out: Batch) -> None:
    """The account row, its account team and its segment memberships."""
    rng = ctx.rng("account", account.index, "row")
    arr = account.arr
    tier = (
        TIERS[0]
        if arr and arr >= STRATEGIC_ARR
        else TIERS[1]
        if arr and arr >= 50_000
        else TIERS[2]
    )
    custom: dict[str, object] = {"tier": tier, "region": rng.choice(REGIONS)}
    if account.health is not None:
        custom["nps"] = max(
            -100, min(100, 10 * round((account.health * 2 - 100 + rng.gauss(0, 25)) / 10))
        )
    out.record(
        "accounts",
        ctx.id,
        account.id,
        account.created_at,
        updated_at=ctx.now - timedelta(days=rng.randrange(0, 30), minutes=rng.randrange(1440)),
        custom=custom,
        name=account.name,
        domain=account.domain,
        industry=rng.choice(INDUSTRIES),
        employees=account.employees,
        arr_amount=arr,
        arr_currency=account.currency,
        lifecycle_stage=account.lifecycle,
        health_score=account.health,
        health_trend=account.trend,
        renewal_date=account.renewal,
        licensed_seats=account.seats,
        owner_id=account.owner.id,
        team_id=ctx.team_ids[account.team] if account.team else None,
    )
    for position, user in enumerate(account.account_team):
        out.add(
            "account_team_members",
            {
                "org_id": ctx.id,
                "account_id": account.id,
                "user_id": user.id,
                "role": ACCOUNT_TEAM_ROLES[position % len(ACCOUNT_TEAM_ROLES)],
            },
        )
    for segment in account.segments:
        out.record(
            "group_members",
            ctx.id,
            new_id(rng),
            account.created_at + timedelta(days=1),
            group_id=ctx.group_ids[segment],
            account_id=account.id,
            person_id=None,
        )
