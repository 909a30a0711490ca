"""The cheapest correct SQL per cheap call *and* user class: one statement per call.

An admin, and any member of an open org, sees every account of the org: their statements have
no visibility predicate at all (the org filter is the whole rule). A restricted member sees the
accounts they own, those whose account team they are on, and those of their teams: one
``account_id IN (…)`` over those three sources. This is what a careful engineer would write
for each question (keyword search: :mod:`bench.peers.search`). The floor (peer 1,
:mod:`bench.peers.floor`) times exactly these statements on one connection, and the SQL peer
(peer 2, :mod:`bench.peers.server`) answers tool calls with them, its answers built by
:mod:`bench.peers.answers`; ``tests/mcp/test_bench_floor.py`` checks that those answers are the
tools' own for every user class.

Product usage and the timeline read the account row first (its name, and "not visible" when it
is missing) and everything else through correlated subqueries, so each call is one round trip.
"""

# ruff: noqa: S608 - the statements are built from constant fragments; values are parameters.
from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from accountlens.schema.ids import decode_id

#: A restricted member's visible accounts: $1 org, $2 user.
MEMBER_VISIBLE = """
  SELECT id FROM accounts WHERE org_id = $1 AND owner_id = $2
  UNION SELECT account_id FROM account_team_members WHERE org_id = $1 AND user_id = $2
  UNION SELECT a.id FROM accounts a JOIN team_members m
        ON m.org_id = a.org_id AND m.team_id = a.team_id
        WHERE a.org_id = $1 AND m.user_id = $2"""


#: A connection of its own or one borrowed from a pool.
Conn = asyncpg.Connection | PoolConnectionProxy
Runner = Callable[[Conn], Awaitable[Any]]


@dataclass(frozen=True)
class Caller:
    """Who asks, as the floor needs it: the org, the user, whether they see the whole org."""

    org_id: uuid.UUID
    user_id: uuid.UUID
    sees_all: bool
    #: Account fields hidden from this caller (a member, when an admin hid them).
    hidden: frozenset[str] = frozenset()
    #: The org's time zone: relative windows (``-90d``) start at its midnights.
    timezone: str = "UTC"
    #: An admin (an open-org member sees every account, yet not others' account-less rows).
    admin: bool = False
    #: (type, field) pairs an admin hid from this member: not searched.
    concealed: frozenset[tuple[str, str]] = frozenset()

    def column(self, name: str, cast: str) -> str:
        """``a.<name>``, or ``NULL`` in its place when the field is hidden from the caller."""
        return f"NULL::{cast} AS {name}" if name in self.hidden else f"a.{name}"

    def visible(self, column: str) -> str:
        """The visibility predicate on ``column`` (an account id), or nothing."""
        return "" if self.sees_all else f" AND {column} IN ({MEMBER_VISIBLE})"

    def args(self) -> list[Any]:
        """$1 (and $2 for a restricted member); the call's own values follow."""
        return [self.org_id] if self.sees_all else [self.org_id, self.user_id]

    def next(self) -> int:
        """The number of the call's first own parameter."""
        return 2 if self.sees_all else 3


def _n(caller: Caller, i: int) -> str:
    return f"${caller.next() + i}"


@dataclass(frozen=True)
class Window:
    """``[start, end)`` from the start of the day ``days`` ago to the end of today, org time."""

    start: datetime
    end: datetime

    @classmethod
    def last_days(cls, caller: Caller, days: int, now: datetime | None = None) -> Window:
        zone = ZoneInfo(caller.timezone)
        today = (now or datetime.now(UTC)).astimezone(zone).date()
        start = datetime.combine(today - timedelta(days=days), time(), zone)
        return cls(start, datetime.combine(today + timedelta(days=1), time(), zone))

    def previous(self) -> Window:
        # Same-zone subtraction is wall-clock time, as the app's window arithmetic is.
        return Window(self.start - (self.end - self.start), self.start)


def accounts_sql(c: Caller) -> str:
    return f"""
SELECT a.id, a.name, a.updated_at, a.domain, a.industry, a.lifecycle_stage, a.health_score,
       a.health_trend, {c.column("arr_amount", "numeric")}, a.arr_currency, a.renewal_date,
       u.id AS owner_id,
       u.name AS owner_name, count(*) OVER () AS total
FROM accounts a LEFT JOIN users u ON u.org_id = a.org_id AND u.id = a.owner_id
WHERE a.org_id = $1{c.visible("a.id")}
ORDER BY a.name, a.id LIMIT {_n(c, 0)}"""


def tickets_sql(c: Caller) -> str:
    return f"""
SELECT t.id, t.subject, t.updated_at, t.created_at, t.description, t.status, t.priority,
       t.opened_at, t.closed_at, a.id AS account_id, a.name AS account_name,
       p.id AS requester_id, p.name AS requester_name
FROM tickets t JOIN accounts a ON a.org_id = t.org_id AND a.id = t.account_id
LEFT JOIN people p ON p.org_id = t.org_id AND p.id = t.requester_id
WHERE t.org_id = $1{c.visible("t.account_id")} AND t.id = ANY({_n(c, 0)}::uuid[])"""


def usage_sql(c: Caller) -> str:
    """An account's usage: $n account, interval, previous start, start, end (dates).

    Totals of both windows, the buckets and the features come as JSON arrays from subqueries
    correlated with the visible account row; the seats are the window's latest daily row.
    """
    a, interval, before, start, end = (_n(c, i) for i in range(5))
    days = "FROM usage_account_daily u WHERE u.org_id = $1 AND u.account_id = a.id"
    now, then = f"day >= {start}", f"day < {start}"
    # The daily rows carry the account's licensed seats: hidden there when hidden on the account.
    seats = "NULL::int" if "licensed_seats" in c.hidden else "u.licensed_seats"
    return f"""
SELECT a.name,
  (SELECT json_build_array(sum(events) FILTER (WHERE {now}), sum(minutes) FILTER (WHERE {now}),
          max(active_users) FILTER (WHERE {now}), sum(events) FILTER (WHERE {then}),
          sum(minutes) FILTER (WHERE {then}), max(active_users) FILTER (WHERE {then}))
   {days} AND day >= {before} AND day < {end}) AS totals,
  (SELECT json_agg(json_build_array(b.bucket, b.events, b.minutes, b.users) ORDER BY b.bucket)
   FROM (SELECT date_trunc({interval}, day)::date AS bucket, sum(events) AS events,
                sum(minutes) AS minutes, max(active_users) AS users
         {days} AND {now} AND day < {end} GROUP BY 1) b) AS buckets,
  (SELECT json_agg(json_build_array(f.feature, f.e, f.m, f.u, f.pe, f.pm, f.pu)
                   ORDER BY coalesce(f.e, 0) DESC, f.feature)
   FROM (SELECT feature, sum(events) FILTER (WHERE {now}) AS e,
                sum(minutes) FILTER (WHERE {now}) AS m, max(active_users) FILTER (WHERE {now}) AS u,
                sum(events) FILTER (WHERE {then}) AS pe, sum(minutes) FILTER (WHERE {then}) AS pm,
                max(active_users) FILTER (WHERE {then}) AS pu
         FROM usage_feature_daily WHERE org_id = $1 AND account_id = a.id
           AND day >= {before} AND day < {end} GROUP BY feature) f) AS features,
  (SELECT json_build_array({seats}, u.active_seats)
   {days} AND {now} AND day < {end} ORDER BY day DESC LIMIT 1) AS seats
FROM accounts a WHERE a.org_id = $1 AND a.id = {a}{c.visible("a.id")}"""


#: The timeline's branches: kind, record type, time, title, detail, table (alias x), extra join.
_TIMELINE = (
    ("activity", "activity", "x.occurred_at", "x.subject", "x.kind", "activities", ""),
    ("ticket", "ticket", "x.opened_at", "x.subject", "x.status", "tickets", ""),
    ("task", "task", "x.created_at", "x.title", "x.status", "tasks", ""),
    ("opportunity", "opportunity", "x.changed_at",
     "concat(o.name, ': ', coalesce(x.from_stage, 'new'), ' → ', x.to_stage)", "x.to_stage",
     "opportunity_stage_changes", "JOIN opportunities o ON o.org_id = x.org_id "
     "AND o.id = x.opportunity_id"),
    ("meeting", "document", "x.occurred_at", "x.title", "x.kind", "documents", ""),
)  # fmt: skip


def timeline_sql(c: Caller) -> str:
    """An account's newest 26 events in ``[$n+1, $n+2)`` and their total: $n account."""
    a, start, end = _n(c, 0), _n(c, 1), _n(c, 2)
    branches = []
    for kind, type_key, at, title, detail, table, join in _TIMELINE:
        record = "o" if kind == "opportunity" else "x"
        where = f"x.org_id = $1 AND x.account_id = a.id AND {at} >= {start} AND {at} < {end}"
        if kind == "meeting":
            where += " AND x.kind = 'transcript'"
        if kind == "opportunity":  # the deal a move opens must be visible too
            where += c.visible("o.account_id")
        branches.append(
            f"SELECT '{kind}' AS kind, {at} AS at, {title} AS title, {detail} AS detail, "
            f"'{type_key}' AS type_key, x.id, {record}.id AS ref_id, "
            f"{record}.updated_at FROM {table} x {join} WHERE {where}"
        )
    union = "\n    UNION ALL ".join(branches)
    return f"""
SELECT a.name, e.* FROM accounts a LEFT JOIN LATERAL (
  SELECT u.*, count(*) OVER () AS total FROM (
    {union}
  ) u ORDER BY u.at DESC, u.id DESC LIMIT 26
) e ON true
WHERE a.org_id = $1 AND a.id = {a}{c.visible("a.id")}"""


def uuid_of(typed_id: str) -> uuid.UUID:
    decoded = decode_id(typed_id)
    if decoded is None:
        raise ValueError(typed_id)
    return decoded[1]


def usage_args(caller: Caller, account: uuid.UUID, span: Window, interval: str) -> list[Any]:
    before = span.previous()
    dates = (before.start.date(), span.start.date(), span.end.date())
    return [*caller.args(), account, interval, *dates]


def timeline_args(caller: Caller, account: uuid.UUID, span: Window) -> list[Any]:
    return [*caller.args(), account, span.start, span.end]
