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

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    DateTime,
    Integer,
    Select,
    Uuid,
    bindparam,
    func,
    literal,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.types import NullType

from accountlens.auth.principal import Principal
from accountlens.db.models import (
    Activity,
    Document,
    Opportunity,
    OpportunityStageChange,
    Task,
    Ticket,
)
from accountlens.resolvers.errors import BadInputError, NotFoundError, unknown_choice
from accountlens.resolvers.field_security import Hidden, hidden_fields, projection
from accountlens.resolvers.lists import JoinedReferences, joined_references, load_records
from accountlens.resolvers.paging import check_page_size
from accountlens.resolvers.reader import Reader, Row
from accountlens.resolvers.registry import spec_for
from accountlens.resolvers.shapes import ShapeCache, hidden_key
from accountlens.resolvers.visibility import (
    of_one_account_parameter,
    parametrized,
    shape_of,
    viewer_parameters,
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
    viewer: Principal, of_accounts: Callable[[Any], ColumnElement[bool]], start: Any, end: Any
) -> dict[str, Any]:
    """One ``SELECT`` per kind, each under its type's visibility function; ``of_accounts``
    says which accounts' events (a list of ids, or one id as a parameter)."""
    p = viewer

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
        ).where(*where, of_accounts(account), at >= start, at < end)

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
    # ``json.dumps({"t": …, "i": …})`` written out (an ISO time and hex digits need no
    # escaping): the same bytes at half the cost, and a page has a cursor per event.
    raw = f'{{"t": "{row["at"].isoformat()}", "i": "{row["id"].hex}"}}'.encode()
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


#: The timeline statement's parameters besides the viewer's.
ACCOUNT, START, END, LIMIT = "timeline_account", "timeline_start", "timeline_end", "timeline_limit"
AFTER_AT, AFTER_ID = "timeline_after_at", "timeline_after_id"
#: What an event row carries, in the order the statement's row constructor lists it.
EVENT_COLUMNS = ("kind", "at", "title", "detail", "type_key", "id", "ref_id", "updated_at")
#: Timeline statements kept: kinds asked × hidden fields × viewer shapes × cursor × total.
TIMELINE_CACHE_SIZE = 128
_statements: ShapeCache[tuple[Select[Any], JoinedReferences]] = ShapeCache(TIMELINE_CACHE_SIZE)
_counts: ShapeCache[Select[Any]] = ShapeCache(TIMELINE_CACHE_SIZE)


def _events(viewer: Principal, kinds: Sequence[str]) -> CompoundSelect[Any]:
    """The chosen kinds' events of the account parameter in the window parameters."""
    account = bindparam(ACCOUNT, type_=Uuid())
    start, end = (bindparam(n, type_=DateTime(timezone=True)) for n in (START, END))
    branches = _branches(viewer, lambda column: column == account, start, end)
    return union_all(*(branches[k] for k in kinds))


def _timeline_statement(
    kinds: Sequence[str], shape: Principal, hidden: Hidden, has_cursor: bool, with_total: bool
) -> tuple[Select[Any], JoinedReferences]:
    """The account's row (as :func:`~accountlens.resolvers.lists.load_records` reads it) with
    its page of events alongside, and the window's total when asked: one statement, one round
    trip, no row when the account is not visible.

    The page comes as one typed array per event column (``array_agg`` in the timeline's order),
    which asyncpg decodes to typed values: times and ids come back as a separate read's did.
    Not one array of row values: Citus cannot pass an anonymous record type from a worker
    ("input of anonymous composite types is not implemented").
    """
    viewer = of_one_account_parameter(parametrized(shape), ACCOUNT)
    spec = spec_for("account")
    events_of = _events(viewer, kinds)
    # Read once for both the page and the total: a restricted member's book is tested in
    # every branch, and PostgreSQL plans (and runs) each copy of a branch anew.
    union: Any = (
        events_of.cte("events").prefix_with("MATERIALIZED")
        if with_total
        else events_of.subquery("events")
    )
    newest_first = (union.c.at.desc(), union.c.id.desc())
    page = select(*(union.c[name] for name in EVENT_COLUMNS))
    if has_cursor:
        after = tuple_(
            bindparam(AFTER_AT, type_=DateTime(timezone=True)), bindparam(AFTER_ID, type_=Uuid())
        )
        page = page.where(tuple_(union.c.at, union.c.id) < after)
    cut = page.order_by(*newest_first).limit(bindparam(LIMIT, type_=Integer())).subquery("page")
    order = (cut.c.at.desc(), cut.c.id.desc())
    # Untyped: no result processor, asyncpg's own decoding of each typed array is the answer.
    arrays = [
        func.array_agg(aggregate_order_by(cut.c[name], *order), type_=NullType()).label(
            f"_t_{name}"
        )
        for name in EVENT_COLUMNS
    ]
    # Aggregates without GROUP BY give exactly one row: joined, the account's row (or none).
    events = select(*arrays).select_from(cut).correlate(None).subquery("page_events")
    columns: list[Any] = [events.c[f"_t_{name}"] for name in EVENT_COLUMNS]
    if with_total:
        total = select(func.count()).select_from(union).correlate(None).scalar_subquery()
        columns.append(total.label("_t_total"))
    joined = joined_references(spec, viewer, hidden)
    statement = (
        select(*projection(spec, hidden.of(spec.key)), *joined.columns, *columns)
        .select_from(joined.source)
        .join(events, true())
        .where(spec.visible(viewer), spec.id_column == bindparam(ACCOUNT, type_=Uuid()))
    )
    return statement, joined


def _count_statement(kinds: Sequence[str], shape: Principal) -> Select[Any]:
    """The window's total alone, for a caller who asks for it only later (or not at all)."""
    viewer = of_one_account_parameter(parametrized(shape), ACCOUNT)
    return select(func.count()).select_from(_events(viewer, kinds).subquery())


async def account_timeline(
    reader: Reader,
    account_id: uuid.UUID,
    since: str | None = None,
    until: str | None = None,
    kinds: Sequence[str] | None = None,
    first: int | None = None,
    after: str | None = None,
    with_total: bool = False,
) -> TimelinePage:
    """Events on a visible account in the window (default: the last 30 days), newest first.

    One statement reads the account, the page and (``with_total``: the caller selected it)
    the window's total (:func:`_timeline_statement`), built once per shape with this call's
    account, window, page size, cursor and viewer bound as parameters.
    """
    try:
        for kind in kinds or ():
            if kind not in KINDS:
                raise unknown_choice("timeline kind", kind, KINDS)
        limit = check_page_size(first)
        span = await window(reader, since, until, default_days=30)
        cursor = _decode(after) if after else None
    except BadInputError:
        # An unknown account is reported before bad input, as when it was read first.
        if not (await load_records(reader, "account", [account_id]))[0]:
            raise NotFoundError("no account with that ID", field="accountId") from None
        raise
    chosen = tuple(kinds or KINDS)
    hidden = await hidden_fields(reader)
    principal = reader.principal  # after the org row: the predicates take its mode
    shape = shape_of(principal)
    statement, joined = _statements.get(
        (chosen, shape, hidden_key(hidden), cursor is not None, with_total),
        lambda: _timeline_statement(chosen, shape, hidden, cursor is not None, with_total),
    )
    window_values = {ACCOUNT: account_id, START: span.start, END: span.end}
    values = viewer_parameters(principal) | window_values
    # One more than the page says whether another follows; a page of none reads none.
    values[LIMIT] = limit + 1 if limit else 0
    if cursor is not None:
        values[AFTER_AT], values[AFTER_ID] = cursor
    # A key, the viewer, a window, a cursor and a limit: planned alike for any of them.
    rows = await reader.rows(statement, values, plan="generic")
    if not rows:
        raise NotFoundError("no account with that ID", field="accountId")
    row = rows[0]
    arrays = [row.pop(f"_t_{name}") or () for name in EVENT_COLUMNS]
    read = [dict(zip(EVENT_COLUMNS, event, strict=True)) for event in zip(*arrays, strict=True)]
    total: int | None = row.pop("_t_total", None)
    (account,) = joined.split(reader, [row])

    async def count() -> int:
        if total is not None:
            return int(total)
        count_statement = _counts.get((chosen, shape), lambda: _count_statement(chosen, shape))
        counted = await reader.rows(count_statement, viewer_parameters(principal) | window_values)
        return int(next(iter(counted[0].values())) or 0)

    events = read[:limit]
    return TimelinePage(events, [_cursor(r) for r in events], len(read) > limit, count, account)


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
    ids = list(set(account_ids))
    branches = _branches(reader.principal, lambda column: column.in_(ids), span.start, span.end)
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
