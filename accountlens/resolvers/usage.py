"""Product usage of an account or a person over a window, bucketed, by feature, vs before."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Date, cast, func, null, select

from accountlens.db.models import AccountUsageDaily, FeatureUsageDaily, PersonUsageDaily
from accountlens.resolvers.errors import NotFoundError, unknown_choice
from accountlens.resolvers.field_security import hidden_fields
from accountlens.resolvers.lists import load_records
from accountlens.resolvers.reader import Reader, Row
from accountlens.resolvers.visibility import (
    visible_account_usage,
    visible_feature_usage,
    visible_person_usage,
)
from accountlens.resolvers.windows import Window, window

INTERVALS = ("day", "week", "month")


@dataclass(frozen=True, slots=True)
class Totals:
    events: int
    minutes: int
    active_users: int | None  # peak daily active users (accounts only)


@dataclass(frozen=True, slots=True)
class Bucket:
    start: date
    totals: Totals


@dataclass(frozen=True, slots=True)
class FeatureUsage:
    feature: str
    current: Totals
    previous: Totals


@dataclass(slots=True)
class Usage:
    subject_type: str
    subject_id: uuid.UUID
    window: Window
    interval: str
    current: Totals
    previous: Totals
    buckets: list[Bucket] = field(default_factory=list)
    features: list[FeatureUsage] = field(default_factory=list)
    licensed_seats: int | None = None
    active_seats: int | None = None
    subject: Row | None = None  # the account or person row (its name echoes the ID asked)


def _totals(row: dict[str, Any], suffix: str, with_users: bool) -> Totals:
    return Totals(
        int(row.get(f"events{suffix}") or 0),
        int(row.get(f"minutes{suffix}") or 0),
        int(row.get(f"users{suffix}") or 0) if with_users else None,
    )


def _sums(model: Any, current_start: date, with_users: bool) -> list[Any]:
    now = model.day >= current_start
    before = model.day < current_start
    columns = [
        func.sum(model.events).filter(now).label("events"),
        func.sum(model.minutes).filter(now).label("minutes"),
        func.sum(model.events).filter(before).label("events_prev"),
        func.sum(model.minutes).filter(before).label("minutes_prev"),
    ]
    if with_users:
        columns += [
            func.max(model.active_users).filter(now).label("users"),
            func.max(model.active_users).filter(before).label("users_prev"),
        ]
    return columns


async def product_usage(
    reader: Reader,
    subject_type: str,
    subject_id: uuid.UUID,
    since: str | None = None,
    until: str | None = None,
    interval: str = "week",
) -> Usage:
    """Usage of a visible account or person; ``NotFoundError`` when it is not visible."""
    if interval not in INTERVALS:
        raise unknown_choice("interval", interval, INTERVALS)
    found = (
        (await load_records(reader, subject_type, [subject_id]))[0]
        if subject_type in ("account", "person")
        else None
    )
    if not found:
        raise NotFoundError("no account or person with that ID", field="id")
    span = await window(reader, since, until, default_days=30)
    before = span.previous()
    is_account = subject_type == "account"
    model: Any = AccountUsageDaily if is_account else PersonUsageDaily
    visible = (visible_account_usage if is_account else visible_person_usage)(reader.principal)
    subject = (model.account_id if is_account else model.person_id) == subject_id
    in_both = (model.day >= before.start_date, model.day < span.end_date)
    totals = (
        await reader.rows(
            select(*_sums(model, span.start_date, is_account)).where(visible, subject, *in_both)
        )
    )[0]
    bucket = cast(func.date_trunc(interval, model.day), Date).label("bucket")
    bucket_columns = [
        func.sum(model.events).label("events"),
        func.sum(model.minutes).label("minutes"),
    ]
    if is_account:
        bucket_columns.append(func.max(model.active_users).label("users"))
    buckets = await reader.rows(
        select(bucket, *bucket_columns)
        .where(visible, subject, model.day >= span.start_date, model.day < span.end_date)
        .group_by(bucket)
        .order_by(bucket)
    )
    usage = Usage(
        subject_type,
        subject_id,
        span,
        interval,
        _totals(totals, "", is_account),
        _totals(totals, "_prev", is_account),
        [Bucket(r["bucket"], _totals(r, "", is_account)) for r in buckets],
        subject=found,
    )
    if is_account:
        await _account_details(reader, usage, span, before)
    return usage


async def _account_details(reader: Reader, usage: Usage, span: Window, before: Window) -> None:
    f = FeatureUsageDaily
    features = await reader.rows(
        select(f.feature, *_sums(f, span.start_date, True))
        .where(
            visible_feature_usage(reader.principal),
            f.account_id == usage.subject_id,
            f.day >= before.start_date,
            f.day < span.end_date,
        )
        .group_by(f.feature)
        .order_by(
            func.coalesce(func.sum(f.events).filter(f.day >= span.start_date), 0).desc(), f.feature
        )
    )
    usage.features = [
        FeatureUsage(r["feature"], _totals(r, "", True), _totals(r, "_prev", True))
        for r in features
    ]
    a = AccountUsageDaily
    # The daily rows carry the account's licensed seats too: hidden there, hidden here.
    hidden = (await hidden_fields(reader)).of("account")
    licensed = null() if "licensed_seats" in hidden else a.licensed_seats
    seats = await reader.rows(
        select(licensed.label("licensed_seats"), a.active_seats)
        .where(
            visible_account_usage(reader.principal),
            a.account_id == usage.subject_id,
            a.day >= span.start_date,
            a.day < span.end_date,
        )
        .order_by(a.day.desc())
        .limit(1)
    )
    if seats:
        usage.licensed_seats = seats[0]["licensed_seats"]
        usage.active_seats = seats[0]["active_seats"]
