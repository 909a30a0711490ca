"""The cheapest correct SQL per cheap call *and* user class, and the answers built from it.

An admin, and any member of an open org, sees every account of the org: their statements have
no visibility predicate at all (the org filter is the whole rule). A restricted member sees the
accounts they own, those whose account team they are on, and those of their teams: one
``account_id IN (…)`` over those three sources. This is what a careful engineer would write
for each question; the floor (peer 1) times these statements on one connection and the SQL
peer (peer 2, :mod:`bench.peers.server`) answers tool calls with them.

:func:`list_accounts` and :func:`get_tickets` build the very ``structuredContent`` AccountLens
returns for the default fields (the harness checks it); product usage and the timeline are
timed as statements only.
"""

# ruff: noqa: S608 - the statements are built from constant fragments; values are parameters.
from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from accountlens.schema.ids import decode_id, encode_id
from bench.load.floor import SEARCH_SQL, VISIBLE

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


def usage_sql(c: Caller) -> tuple[str, str]:
    days = f"""
SELECT date_trunc('week', day) AS bucket, sum(events), sum(minutes), max(active_users)
FROM usage_account_daily
WHERE org_id = $1 AND account_id = {_n(c, 0)} AND day >= {_n(c, 1)}{c.visible(_n(c, 0))}
GROUP BY 1 ORDER BY 1"""
    features = f"""
SELECT feature, sum(events) FILTER (WHERE day >= {_n(c, 1)}),
       sum(events) FILTER (WHERE day < {_n(c, 1)})
FROM usage_feature_daily
WHERE org_id = $1 AND account_id = {_n(c, 0)} AND day >= {_n(c, 2)}{c.visible(_n(c, 0))}
GROUP BY feature ORDER BY 2 DESC NULLS LAST"""
    return days, features


def timeline_sql(c: Caller) -> str:
    a, since = _n(c, 0), _n(c, 1)
    parts = [
        ("'activity'", "occurred_at", "subject", "activities", "occurred_at"),
        ("'ticket'", "opened_at", "subject", "tickets", "opened_at"),
        ("'task'", "created_at", "title", "tasks", "created_at"),
        ("'opportunity'", "changed_at", "to_stage", "opportunity_stage_changes", "changed_at"),
        ("'meeting'", "occurred_at", "title", "documents", "occurred_at"),
    ]
    union = "\n  UNION ALL ".join(
        f"SELECT {kind} AS kind, {at} AS at, {title} AS title, id FROM {table}"
        f" WHERE org_id = $1 AND account_id = {a} AND {column} >= {since}"
        for kind, at, title, table, column in parts
    )
    visible = "" if c.sees_all else f" WHERE {a} IN ({MEMBER_VISIBLE})"
    return f"SELECT * FROM (\n  {union}\n) e{visible} ORDER BY at DESC, id LIMIT 25"


def search_sql(c: Caller) -> str:
    """The floor's keyword search (bench.load.floor) with this class's visibility only: $n query."""
    if c.sees_all:
        text = SEARCH_SQL.replace(" AND id IN (" + VISIBLE + ")", "")
        text = text.replace(" AND account_id IN (" + VISIBLE + ")", "")
    else:
        text = SEARCH_SQL.replace(VISIBLE, MEMBER_VISIBLE)
    return text.replace("$4", _n(c, 0))


def _uuid(typed_id: str) -> uuid.UUID:
    decoded = decode_id(typed_id)
    if decoded is None:
        raise ValueError(typed_id)
    return decoded[1]


def _utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _cursor(name: str, row_id: uuid.UUID) -> str:
    """The keyset cursor AccountLens gives after a row in ``name, id`` order."""
    signature = hashlib.sha256(b"name:0|id:0").hexdigest()[:10]
    raw = json.dumps({"s": signature, "v": [name, {"u": row_id.hex}]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v not in (None, [], {})}


def _envelope(base_url: str, type_key: str, row_id: uuid.UUID, name: str) -> dict[str, Any]:
    typed = encode_id(type_key, row_id)
    return {"id": typed, "type": type_key, "name": name, "url": f"{base_url}/records/{typed}"}


async def list_accounts(conn: Conn, caller: Caller, base_url: str, limit: int) -> dict[str, Any]:
    """``list_objects(object_type="account")``: a page in name order, with the total."""
    rows = await conn.fetch(accounts_sql(caller), *caller.args(), limit + 1)
    page = rows[:limit]
    records = []
    for r in page:
        arr = None
        if r["arr_amount"] is not None:
            arr = {"amount": _number(r["arr_amount"]), "currency": r["arr_currency"]}
        owner = None
        if r["owner_id"] is not None:
            owner = {"id": encode_id("user", r["owner_id"]), "name": r["owner_name"]}
        records.append(_compact({
            **_envelope(base_url, "account", r["id"], r["name"]),
            "updated_at": _utc(r["updated_at"]), "domain": r["domain"],
            "industry": r["industry"], "lifecycle_stage": r["lifecycle_stage"],
            "health_score": r["health_score"], "health_trend": r["health_trend"], "arr": arr,
            "renewal_date": r["renewal_date"].isoformat() if r["renewal_date"] else None,
            "owner": owner,
        }))  # fmt: skip
    more = len(rows) > limit
    last = page[-1] if page else None
    return {
        "type": "account",
        "total": int(rows[0]["total"]) if rows else 0,
        "count": len(records),
        "next_cursor": _cursor(last["name"], last["id"]) if more and last else None,
        "records": records,
    }


async def get_tickets(
    conn: Conn, caller: Caller, base_url: str, ids: Sequence[str]
) -> dict[str, Any]:
    """``get_objects(ids=[tickets…])``: the visible ones in the order asked."""
    wanted = [_uuid(i) for i in ids]
    rows = {r["id"]: r for r in await conn.fetch(tickets_sql(caller), *caller.args(), wanted)}
    records, missing = [], []
    for typed, row_id in zip(ids, wanted, strict=True):
        r = rows.get(row_id)
        if r is None:
            missing.append(typed)
            continue
        requester = None
        if r["requester_id"] is not None:
            requester = {"id": encode_id("person", r["requester_id"]), "name": r["requester_name"]}
        records.append(_compact({
            **_envelope(base_url, "ticket", r["id"], r["subject"]),
            "updated_at": _utc(r["updated_at"]), "created_at": _utc(r["created_at"]),
            "subject": r["subject"], "description": r["description"], "status": r["status"],
            "priority": r["priority"], "opened_at": _utc(r["opened_at"]),
            "closed_at": _utc(r["closed_at"]),
            "account": {"id": encode_id("account", r["account_id"]), "name": r["account_name"]},
            "requester": requester,
        }))  # fmt: skip
    return {"total": len(records), "count": len(records), "records": records,
            "not_found": missing}  # fmt: skip


def floor_runner(label: str, caller: Caller, facts: dict[str, Any]) -> Runner | None:
    """The floor's statements for one cheap call, or None for calls it does not cover."""
    if label == "list accounts":
        return lambda c: c.fetch(accounts_sql(caller), *caller.args(), 26)
    if label.startswith("search"):
        query = facts["search_queries"][label]
        return lambda c: c.fetch(search_sql(caller), *caller.args(), query)
    if label == "get 25 tickets":
        ids = [_uuid(i) for i in facts["ticket_ids"]]
        return lambda c: c.fetch(tickets_sql(caller), *caller.args(), ids)
    acme = _uuid(facts["acme"])
    now = datetime.now(UTC)
    if label.startswith("Q1"):
        return lambda c: c.fetch(timeline_sql(caller), *caller.args(), acme, now - timedelta(30))
    if label.startswith("product_usage"):
        start: date = now.date() - timedelta(days=90)
        days, features = usage_sql(caller)

        async def usage(c: Conn) -> Any:
            await c.fetch(days, *caller.args(), acme, start)
            return await c.fetch(features, *caller.args(), acme, start, start - timedelta(90))

        return usage
    return None


#: Statements per call for each runner above (what the floor and peer 2 send).
FLOOR_STATEMENTS = {"product_usage 90d weekly": 2}
