"""Product usage of an account or a person over a window, bucketed, by feature, vs before."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Date, Select, Uuid, bindparam, cast, func, null, select, true
from sqlalchemy.dialects.postgresql import aggregate_order_by

from accountlens.auth.principal import Principal
from accountlens.db.models import AccountUsageDaily, FeatureUsageDaily, PersonUsageDaily
from accountlens.resolvers.errors import BadInputError, NotFoundError, unknown_choice
from accountlens.resolvers.field_security import Hidden, hidden_fields, projection
from accountlens.resolvers.lists import JoinedReferences, joined_references, load_records
from accountlens.resolvers.reader import Reader, Row
from accountlens.resolvers.registry import spec_for
from accountlens.resolvers.shapes import ShapeCache, hidden_key
from accountlens.resolvers.visibility import (
    of_one_account,
    parametrized,
    shape_of,
    viewer_parameters,
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


def _totals(row: dict[str, Any], suffix: str, with_users: bool, prefix: str = "") -> Totals:
    return Totals(
        int(row.get(f"{prefix}events{suffix}") or 0),
        int(row.get(f"{prefix}minutes{suffix}") or 0),
        int(row.get(f"{prefix}users{suffix}") or 0) if with_users else None,
    )


#: The usage statement's parameters besides the viewer's.
SUBJECT, BEFORE, START, END = "usage_subject", "usage_before", "usage_start", "usage_end"
#: Usage statements kept: subject types × intervals × hidden fields × viewer shapes.
USAGE_CACHE_SIZE = 64
_statements: ShapeCache[tuple[Select[Any], JoinedReferences]] = ShapeCache(USAGE_CACHE_SIZE)


def _sums(model: Any, current_start: Any, with_users: bool) -> list[Any]:
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


def _usage_statement(
    subject_type: str, interval: str, shape: Principal, hidden: Hidden
) -> tuple[Select[Any], JoinedReferences]:
    """The subject's row (as :func:`~accountlens.resolvers.lists.load_records` reads it) with
    its usage alongside: totals of both windows, the buckets and, for an account, the features
    and the latest seats. One statement, one round trip, no row when the subject is not visible.

    Buckets and features come as JSON arrays (``json_agg`` in their order); each aggregate
    reads its own table under its own visibility function, as the separate reads did.
    """
    viewer = parametrized(shape)
    spec = spec_for(subject_type)
    is_account = subject_type == "account"
    model: Any = AccountUsageDaily if is_account else PersonUsageDaily
    subject_id = bindparam(SUBJECT, type_=Uuid())
    before, start, end = (bindparam(n, type_=Date()) for n in (BEFORE, START, END))
    if is_account:
        # The account's own rows: their visibility is the account's, asked once.
        visible = of_one_account(viewer, model, subject_id)
        subject = true()
    else:
        visible = visible_person_usage(viewer)
        subject = model.person_id == subject_id
    totals = (
        select(*_sums(model, start, is_account))
        .where(visible, subject, model.day >= before, model.day < end)
        .subquery("usage_totals")
    )
    bucket = cast(func.date_trunc(interval, model.day), Date).label("bucket")
    bucket_columns = [
        func.sum(model.events).label("events"),
        func.sum(model.minutes).label("minutes"),
    ]
    if is_account:
        bucket_columns.append(func.max(model.active_users).label("users"))
    grouped = (
        select(bucket, *bucket_columns)
        .where(visible, subject, model.day >= start, model.day < end)
        .group_by(bucket)
        .subquery("usage_buckets")
    )
    columns: list[Any] = [totals.c[c.name].label(f"_u_{c.name}") for c in totals.c]
    columns.append(_json_rows(grouped, [grouped.c.bucket]).label("_u_buckets"))
    hidden_here = hidden.of(spec.key)
    joined = joined_references(spec, viewer, hidden)
    source = joined.source.join(totals, true())
    if is_account:
        features = _features(viewer, subject_id, before, start, end)
        columns.append(
            _json_rows(features, [features.c._order.desc(), features.c.feature], skip=1).label(
                "_u_features"
            )
        )
        seats = _seats(viewer, subject_id, start, end, "licensed_seats" in hidden_here)
        source = source.outerjoin(seats, true())
        columns += [
            seats.c.licensed_seats.label("_u_licensed"),
            seats.c.active_seats.label("_u_active"),
        ]
    statement = (
        select(*projection(spec, hidden_here), *joined.columns, *columns)
        .select_from(source)
        .where(spec.visible(viewer), spec.id_column == subject_id)
    )
    return statement, joined


def _json_rows(rows: Any, order: list[Any], skip: int = 0) -> Any:
    """``rows`` as one JSON array of arrays (its columns past the first ``skip``), in ``order``."""
    values = [c for c in rows.c][skip:]
    row = func.json_build_array(*values)
    return (
        select(func.json_agg(aggregate_order_by(row, *order))).select_from(rows).scalar_subquery()
    )


def _features(viewer: Principal, subject_id: Any, before: Any, start: Any, end: Any) -> Any:
    f = FeatureUsageDaily
    return (
        select(
            func.coalesce(func.sum(f.events).filter(f.day >= start), 0).label("_order"),
            f.feature,
            *_sums(f, start, True),
        )
        .where(of_one_account(viewer, f, subject_id), f.day >= before, f.day < end)
        .group_by(f.feature)
        .subquery("usage_features")
    )


def _seats(viewer: Principal, subject_id: Any, start: Any, end: Any, hidden: bool) -> Any:
    a = AccountUsageDaily
    # The daily rows carry the account's licensed seats too: hidden there, hidden here.
    licensed = null() if hidden else a.licensed_seats
    return (
        select(licensed.label("licensed_seats"), a.active_seats)
        .where(of_one_account(viewer, a, subject_id), a.day >= start, a.day < end)
        .order_by(a.day.desc())
        .limit(1)
        .subquery("usage_seats")
    )


async def product_usage(
    reader: Reader,
    subject_type: str,
    subject_id: uuid.UUID,
    since: str | None = None,
    until: str | None = None,
    interval: str = "week",
) -> Usage:
    """Usage of a visible account or person; ``NotFoundError`` when it is not visible.

    One statement reads the subject and all of its usage (:func:`_usage_statement`), built
    once per shape with this call's subject, window and viewer bound as parameters.
    """
    if interval not in INTERVALS:
        raise unknown_choice("interval", interval, INTERVALS)
    if subject_type not in ("account", "person"):
        raise NotFoundError("no account or person with that ID", field="id")
    try:
        span = await window(reader, since, until, default_days=30)
        before = span.previous()
    except BadInputError:
        # An unknown subject is reported before a bad window, as when it was read first.
        if not (await load_records(reader, subject_type, [subject_id]))[0]:
            raise NotFoundError("no account or person with that ID", field="id") from None
        raise
    hidden = await hidden_fields(reader)
    principal = reader.principal
    shape = shape_of(principal)
    statement, joined = _statements.get(
        (subject_type, interval, shape, hidden_key(hidden)),
        lambda: _usage_statement(subject_type, interval, shape, hidden),
    )
    values = viewer_parameters(principal) | {
        SUBJECT: subject_id,
        BEFORE: before.start_date,
        START: span.start_date,
        END: span.end_date,
    }
    rows = await reader.rows(statement, values, plan="generic")  # a key, the viewer, a window
    if not rows:
        raise NotFoundError("no account or person with that ID", field="id")
    row = rows[0]
    read = {k: row.pop(k) for k in [k for k in row if k.startswith("_u_")]}
    (found,) = joined.split(reader, [row])
    is_account = subject_type == "account"
    usage = Usage(
        subject_type,
        subject_id,
        span,
        interval,
        _totals(read, "", is_account, "_u_"),
        _totals(read, "_prev", is_account, "_u_"),
        [
            Bucket(date.fromisoformat(b[0]), _counts(b[1:], is_account))
            for b in read["_u_buckets"] or []
        ],
        subject=found,
    )
    if is_account:
        usage.features = [
            # [feature, events, minutes, events_prev, minutes_prev, users, users_prev]
            FeatureUsage(f[0], _counts([f[1], f[2], f[5]], True), _counts([f[3], f[4], f[6]], True))
            for f in read["_u_features"] or []
        ]
        usage.licensed_seats = read["_u_licensed"]
        usage.active_seats = read["_u_active"]
    return usage


def _counts(values: Sequence[Any], with_users: bool) -> Totals:
    """Totals from ``[events, minutes(, users)]`` as a JSON row carries them."""
    events, minutes, *users = values
    return Totals(int(events or 0), int(minutes or 0), int(users[0] or 0) if with_users else None)
