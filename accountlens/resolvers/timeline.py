"""An account's timeline: activities, tickets, tasks, deal moves and meetings, newest first."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, literal, select, tuple_, union_all

from accountlens.db.models import (
    Activity,
    Document,
    Opportunity,
    OpportunityStageChange,
    Task,
    Ticket,
)
from accountlens.resolvers.errors import BadInputError, NotFoundError, unknown_choice
from accountlens.resolvers.lists import load_records
from accountlens.resolvers.paging import check_page_size
from accountlens.resolvers.reader import Reader, Row
from accountlens.resolvers.visibility import (
    visible_activities,
    visible_documents,
    visible_opportunities,
    visible_stage_changes,
    visible_tasks,
    visible_tickets,
)
from accountlens.resolvers.windows import window

KINDS = ("activity", "ticket", "task", "opportunity", "meeting")


@dataclass(slots=True)
class TimelinePage:
    events: list[Row]  # kind, at, title, detail, type_key, id, ref_id, updated_at
    cursors: list[str]
    has_next: bool
    count: Callable[[], Awaitable[int]]
    account: Row | None = None  # the account's row (answers echo its name)


def _branches(
    reader: Reader, account_ids: Sequence[uuid.UUID], start: datetime, end: datetime
) -> dict[str, Any]:
    p = reader.principal
    ids = list(set(account_ids))

    def shape(kind: str, type_key: str, account: Any, at: Any, title: Any, detail: Any,
              record: Any, ref: Any, *where: ColumnElement[bool]) -> Any:  # fmt: skip
        return select(
            account.label("account_id"),
            literal(kind).label("kind"),
            at.label("at"),
            title.label("title"),
            detail.label("detail"),
            literal(type_key).label("type_key"),
            record.label("id"),
            ref.label("ref_id"),
            # The record an event opens (for a deal move: the deal) says how fresh it is.
            (Opportunity if kind == "opportunity" else record.class_).updated_at.label(
                "updated_at"
            ),
        ).where(*where, account.in_(ids), at >= start, at < end)

    change = OpportunityStageChange
    stage_title = func.concat(
        Opportunity.name, ": ", func.coalesce(change.from_stage, "new"), " → ", change.to_stage
    )
    a, t, k, d = Activity, Ticket, Task, Document
    return {
        "activity": shape("activity", "activity", a.account_id, a.occurred_at, a.subject,
                          a.kind, a.id, a.id, visible_activities(p)),
        "ticket": shape("ticket", "ticket", t.account_id, t.opened_at, t.subject, t.status,
                        t.id, t.id, visible_tickets(p)),
        "task": shape("task", "task", k.account_id, k.created_at, k.title, k.status, k.id, k.id,
                      visible_tasks(p)),
        "opportunity": shape("opportunity", "opportunity", change.account_id, change.changed_at,
                             stage_title, change.to_stage, change.id, change.opportunity_id,
                             visible_stage_changes(p), visible_opportunities(p),
                             Opportunity.org_id == change.org_id,
                             Opportunity.id == change.opportunity_id),
        "meeting": shape("meeting", "document", d.account_id, d.occurred_at, d.title, d.kind,
                         d.id, d.id, visible_documents(p), d.kind == "transcript"),
    }  # fmt: skip


def _cursor(row: Row) -> str:
    raw = json.dumps({"t": row["at"].isoformat(), "i": row["id"].hex}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(after: str) -> tuple[datetime, uuid.UUID]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)))
        at = datetime.fromisoformat(payload["t"])
        if at.tzinfo is None:
            raise ValueError("cursors carry aware times")
        # In UTC, as the database gets it (a forged year-1 time east of UTC has no UTC form).
        return at.astimezone(UTC), uuid.UUID(payload["i"])
    except (ValueError, KeyError, TypeError, binascii.Error, OverflowError):
        raise BadInputError("invalid cursor for this timeline", field="after") from None


async def account_timeline(
    reader: Reader,
    account_id: uuid.UUID,
    since: str | None = None,
    until: str | None = None,
    kinds: Sequence[str] | None = None,
    first: int | None = None,
    after: str | None = None,
) -> TimelinePage:
    """Events on a visible account in the window (default: the last 30 days), newest first."""
    account = (await load_records(reader, "account", [account_id]))[0]
    if not account:
        raise NotFoundError("no account with that ID", field="accountId")
    for kind in kinds or ():
        if kind not in KINDS:
            raise unknown_choice("timeline kind", kind, KINDS)
    limit = check_page_size(first)
    span = await window(reader, since, until, default_days=30)
    branches = _branches(reader, [account_id], span.start, span.end)
    chosen = [branches[k] for k in (kinds or KINDS)]
    union = union_all(*chosen).subquery()
    statement = select(union).order_by(union.c.at.desc(), union.c.id.desc()).limit(limit + 1)
    if after:
        statement = statement.where(tuple_(union.c.at, union.c.id) < tuple_(*_decode(after)))
    rows = await reader.rows(statement) if limit else []

    async def count() -> int:
        return int(await reader.scalar(select(func.count()).select_from(union)) or 0)

    events = rows[:limit]
    return TimelinePage(events, [_cursor(r) for r in events], len(rows) > limit, count, account)


async def load_timelines(
    reader: Reader,
    account_ids: Sequence[uuid.UUID],
    since: str | None,
    until: str | None,
    kinds: Sequence[str] | None,
    first: int,
) -> list[list[Row]]:
    """The newest ``first`` events of each account, in one statement for all of them.

    Invisible accounts simply have no visible events, so no separate check is needed.
    """
    if not account_ids:
        return []
    for kind in kinds or ():
        if kind not in KINDS:
            raise unknown_choice("timeline kind", kind, KINDS)
    limit = check_page_size(first)
    span = await window(reader, since, until, default_days=30)
    branches = _branches(reader, account_ids, span.start, span.end)
    union = union_all(*(branches[k] for k in (kinds or KINDS))).subquery()
    rank = func.row_number().over(
        partition_by=union.c.account_id, order_by=(union.c.at.desc(), union.c.id.desc())
    )
    ranked = select(union, rank.label("_rank")).subquery()
    rows = await reader.rows(
        select(ranked).where(ranked.c._rank <= limit).order_by(ranked.c.account_id, ranked.c._rank)
    )
    grouped: dict[uuid.UUID, list[Row]] = {}
    for row in rows:
        row.pop("_rank")
        grouped.setdefault(row["account_id"], []).append(row)
    return [grouped.get(i, []) for i in account_ids]
