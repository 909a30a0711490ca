"""Peer 2's answers: the very ``structuredContent`` AccountLens returns, from one statement each.

Each function runs its call's statement from :mod:`bench.peers.sql` and shapes the rows the way
the MCP tools shape theirs (compact records, ``{id, name}`` references, money as a number, UTC
times ending in ``Z``, empty values dropped), for the default fields and the arguments of the
peers step. The harness compares every answer with AccountLens's before timing;
``tests/mcp/test_bench_floor.py`` does the same for every user class on the small demo.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from accountlens.schema.ids import encode_id
from bench.peers import sql
from bench.peers.sql import Caller, Conn

PAGE = 25


class NotVisibleError(LookupError):
    """The account does not exist or the caller may not see it (the two look the same)."""


def _utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _local(value: datetime) -> str:
    """A window bound as the app prints it: ISO in the org's zone, ``Z`` only for UTC."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


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


async def list_accounts(
    conn: Conn, caller: Caller, base_url: str, limit: int, cap: int = 0
) -> dict[str, Any]:
    """``list_objects(object_type="account")``: a page in name order, with the total (at most
    ``cap``, the server's ``list_total_cap``, and then marked a lower bound, as the tool says)."""
    rows = await conn.fetch(sql.accounts_sql(caller), *caller.args(), limit + 1)
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
    total = int(rows[0]["total"]) if rows else 0
    answer: dict[str, Any] = {"type": "account", "total": min(total, cap) if cap else total}
    if cap and total > cap:
        answer["total_is_lower_bound"] = True
    return answer | {
        "count": len(records),
        "next_cursor": _cursor(last["name"], last["id"]) if more and last else None,
        "records": records,
    }


async def get_tickets(
    conn: Conn, caller: Caller, base_url: str, ids: Sequence[str]
) -> dict[str, Any]:
    """``get_objects(ids=[tickets…])``: the visible ones in the order asked."""
    wanted = [sql.uuid_of(i) for i in ids]
    rows = {r["id"]: r for r in await conn.fetch(sql.tickets_sql(caller), *caller.args(), wanted)}
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


def _totals(values: Sequence[Any]) -> dict[str, int]:
    events, minutes, users = (int(v or 0) for v in values)
    return {"events": events, "minutes": minutes, "active_users": users}


def _change(now: int, before: int) -> float | None:
    return None if before == 0 else round((now - before) / before * 100, 1)


async def product_usage(
    conn: Conn, caller: Caller, base_url: str, account_id: str, days: int, interval: str
) -> dict[str, Any]:
    """``get_product_usage(id=<account>, since="-<days>d", interval=…)`` of a visible account."""
    account = sql.uuid_of(account_id)
    span = sql.Window.last_days(caller, days)
    row = await conn.fetchrow(
        sql.usage_sql(caller), *sql.usage_args(caller, account, span, interval)
    )
    if row is None:
        raise NotVisibleError(account_id)
    totals = json.loads(row["totals"])
    current, previous = _totals(totals[:3]), _totals(totals[3:])
    seats = json.loads(row["seats"]) if row["seats"] else [None, None]
    features = []
    for name, *sums in json.loads(row["features"] or "[]"):
        now, before = _totals(sums[:3]), _totals(sums[3:])
        change = _change(now["events"], before["events"])
        features.append(_compact({"feature": name, "current": now, "previous": before,
                                  "events_change_percent": change}))  # fmt: skip
    buckets = [
        {"start": date.fromisoformat(start).isoformat(), "totals": _totals(sums)}
        for start, *sums in json.loads(row["buckets"] or "[]")
    ]
    typed = encode_id("account", account)
    answer = _compact({
        "start": _local(span.start), "end": _local(span.end), "interval": interval,
        "current": current, "previous": previous,
        "events_change_percent": _change(current["events"], previous["events"]),
        "minutes_change_percent": _change(current["minutes"], previous["minutes"]),
        "licensed_seats": seats[0], "active_seats": seats[1],
    })  # fmt: skip
    # Buckets and features stay even when empty, as the tool keeps them.
    return answer | {"buckets": buckets, "features": features, "id": typed, "name": row["name"],
                     "url": f"{base_url}/records/{typed}"}  # fmt: skip


def _timeline_cursor(at: datetime, row_id: uuid.UUID) -> str:
    raw = json.dumps({"t": at.isoformat(), "i": row_id.hex}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def account_timeline(
    conn: Conn, caller: Caller, base_url: str, account_id: str, days: int
) -> dict[str, Any]:
    """``account_timeline(account=<id>, since="-<days>d")``: the newest page of events."""
    account = sql.uuid_of(account_id)
    span = sql.Window.last_days(caller, days)
    rows = await conn.fetch(sql.timeline_sql(caller), *sql.timeline_args(caller, account, span))
    if not rows:
        raise NotVisibleError(account_id)
    events = [r for r in rows if r["id"] is not None]
    page = events[:PAGE]
    records = []
    for r in page:
        typed = encode_id(r["type_key"], r["ref_id"])
        records.append(_compact({
            "id": typed, "type": r["type_key"], "name": r["title"],
            "url": f"{base_url}/records/{typed}", "updated_at": _utc(r["updated_at"]),
            "kind": r["kind"], "at": _utc(r["at"]),
            # A meeting's detail is always "transcript": the tool leaves it out.
            "detail": r["detail"] if r["kind"] != "meeting" else None,
        }))  # fmt: skip
    more = len(events) > PAGE
    next_cursor = _timeline_cursor(page[-1]["at"], page[-1]["id"]) if more else None
    return {
        "account": {"id": encode_id("account", account), "name": rows[0]["name"]},
        "since": f"-{days}d", "type": "timeline_event",
        "total": int(events[0]["total"]) if events else 0, "count": len(records),
        "next_cursor": next_cursor, "records": records,
    }  # fmt: skip
