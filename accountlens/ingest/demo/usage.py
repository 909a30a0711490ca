"""Product usage: daily rollups per account, per tracked person and per feature.

Series are shaped by the account's situation: at-risk accounts fade over the window, expansion
candidates grow, onboarding accounts ramp up, and weekends are quiet everywhere. Person and
feature rows exist only for days with activity, as a real rollup job would write them. Arrays
are computed with numpy (seeded from the account's stream) because the large preset writes
millions of these rows.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from accountlens.ingest.demo.accounts import AccountProfile
from accountlens.ingest.demo.cast import OrgContext
from accountlens.ingest.demo.vocab import FEATURES
from accountlens.ingest.demo.writer import Batch

ACCOUNT_COLUMNS = (
    "org_id", "account_id", "day", "events", "minutes", "active_users", "licensed_seats",
    "active_seats",
)  # fmt: skip
PERSON_COLUMNS = ("org_id", "person_id", "day", "account_id", "events", "minutes")
FEATURE_COLUMNS = ("org_id", "account_id", "feature", "day", "events", "minutes", "active_users")

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


class UsageCalendar:
    """The days of the usage window (oldest first) and how busy each weekday is."""

    def __init__(self, anchor: date, days: int) -> None:
        self.days = [anchor - timedelta(days=offset) for offset in range(days, 0, -1)]
        self.workday = np.array([0.25 if day.weekday() >= 5 else 1.0 for day in self.days])
        self.progress = np.linspace(0.0, 1.0, len(self.days))


def _shape(calendar: UsageCalendar, situation: str, gen: np.random.Generator) -> Floats:
    t = calendar.progress
    if situation == "at_risk":
        curve = 1.0 - gen.uniform(0.35, 0.6) * t
    elif situation == "expansion":
        curve = 0.8 + gen.uniform(0.25, 0.5) * t
    elif situation == "onboarding":
        curve = 0.2 + 0.8 * np.sqrt(t)
    else:
        curve = 1.0 + gen.normal(0.0, 0.08) * t
    shaped: Floats = curve * calendar.workday
    return shaped


def _counts(values: npt.NDArray[np.floating[Any]]) -> Ints:
    counted: Ints = np.maximum(np.rint(values), 0).astype(np.int64)
    return counted


def add_usage(
    ctx: OrgContext, account: AccountProfile, calendar: UsageCalendar, out: Batch
) -> None:
    """All three rollups for one paying account."""
    if not account.has_usage or not account.seats:
        return
    rng = ctx.rng("account", account.index, "usage")
    gen = np.random.default_rng(rng.getrandbits(64))
    n = len(calendar.days)
    seats = account.seats
    low, high = (0.25, 0.55) if account.situation == "at_risk" else (0.4, 0.85)
    shape = _shape(calendar, account.situation, gen)
    active = np.minimum(
        _counts(seats * gen.uniform(low, high) * shape * gen.normal(1, 0.08, n)), seats
    )
    events = _counts(active * gen.uniform(15, 40) * gen.normal(1, 0.15, n))
    minutes = _counts(active * gen.uniform(10, 35) * gen.normal(1, 0.15, n))
    # Active seats: distinct users over the trailing week, approximated from daily actives.
    weekly = sliding_window_view(np.concatenate([np.zeros(6, np.int64), active]), 7).max(axis=1)
    active_seats = np.minimum(_counts(weekly * 1.25), seats)

    first = max(0, (account.created_at.date() - calendar.days[0]).days + 1)
    days = calendar.days[first:]
    out.add_tuples(
        "usage_account_daily",
        ACCOUNT_COLUMNS,
        zip(
            [ctx.id] * len(days),
            [account.id] * len(days),
            days,
            events[first:].tolist(),
            minutes[first:].tolist(),
            active[first:].tolist(),
            [seats] * len(days),
            active_seats[first:].tolist(),
            strict=True,
        ),
    )

    tracked = [p for p in account.people if p.persona in ("user", "champion")]
    for person in tracked[: ctx.preset.tracked_people]:
        on = (gen.random(n) < 0.75 * shape) & (np.arange(n) >= first)
        person_events = gen.poisson(30, n)
        person_minutes = gen.poisson(25, n)
        out.add_tuples(
            "usage_person_daily",
            PERSON_COLUMNS,
            [
                (
                    ctx.id,
                    person.id,
                    calendar.days[i],
                    account.id,
                    int(person_events[i]),
                    int(person_minutes[i]),
                )
                for i in np.flatnonzero(on).tolist()
            ],
        )

    features = rng.sample(FEATURES, k=min(ctx.preset.features, len(FEATURES)))
    for feature in features:
        # Some features are daily habits, others are used now and then.
        habit = gen.uniform(0.3, 0.95)
        users = _counts(active * gen.uniform(0.1, 0.9) * gen.normal(1, 0.2, n))
        users[gen.random(n) >= habit] = 0
        feature_events = _counts(users * gen.uniform(5, 25))
        feature_minutes = _counts(users * gen.uniform(3, 15))
        out.add_tuples(
            "usage_feature_daily",
            FEATURE_COLUMNS,
            [
                (
                    ctx.id,
                    account.id,
                    feature,
                    calendar.days[i],
                    int(feature_events[i]),
                    int(feature_minutes[i]),
                    int(users[i]),
                )
                for i in np.flatnonzero((users > 0) & (np.arange(n) >= first)).tolist()
            ],
        )
