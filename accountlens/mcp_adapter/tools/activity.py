"""``get_group_membership``, ``get_task_comments``, ``get_product_usage``, ``account_timeline``."""

from __future__ import annotations

from typing import Any, Literal

from mcp.server.mcpserver import Context
from pydantic import Field

from accountlens.mcp_adapter.budget import fit
from accountlens.mcp_adapter.errors import ToolInputError
from accountlens.mcp_adapter.runtime import Runtime, page_size
from accountlens.mcp_adapter.shape import Page, plain, record, record_url, timeline_event
from accountlens.mcp_adapter.tools.models import Answer, no_visible_match, page_payload
from accountlens.schema.ids import decode_id

TimelineKind = Literal["activity", "ticket", "task", "opportunity", "meeting"]


def _required_id(value: str, argument: str) -> str:
    text = value.strip()
    if not text:
        raise ToolInputError(f"{argument} must be a record ID", argument=argument)
    return text


class Memberships(Answer):
    """The groups (segments, lists) a record belongs to."""

    id: str
    count: int
    groups: list[dict[str, Any]] = Field(description="id, name, kind, url of each group.")


async def get_group_membership(runtime: Runtime, ctx: Context[Any], id: str) -> dict[str, Any]:
    compiler = runtime.compiler
    ds = compiler.dsl
    fields = [compiler.catalog.fields("Group")[n] for n in ("kind", "description")]

    def roots(var: Any) -> list[Any]:
        group = compiler.record("Group", fields, False)
        return [ds.Query.groupMemberships.args(memberId=var.id).select(*group)]

    values = {"id": _required_id(id, "id")}
    rows = await runtime.run(ctx, compiler.operation("GroupMemberships", roots, values=values))
    groups = [record(g, runtime.base_url, fields) for g in rows["groupMemberships"]]
    return {"id": id, "count": len(groups), "groups": groups}


async def get_task_comments(
    runtime: Runtime, ctx: Context[Any], task_id: str, limit: int | None, cursor: str | None
) -> dict[str, Any]:
    compiler = runtime.compiler
    ds = compiler.dsl
    fields = [compiler.catalog.fields("TaskComment")[n] for n in ("posted_at", "author", "body")]

    def roots(var: Any) -> list[Any]:
        node = compiler.record("TaskComment", fields, False)
        return [
            ds.Query.taskComments.args(taskId=var.taskId, first=var.first, after=var.after).select(
                *compiler.connection("TaskCommentConnection", node)
            )
        ]

    values = {
        "taskId": _required_id(task_id, "task_id"),
        "first": page_size(limit),
        "after": cursor,
    }
    data = await runtime.run(ctx, compiler.operation("TaskComments", roots, values=values))
    connection = data["taskComments"]
    edges = connection["edges"]
    comments = []
    for edge in edges:
        shaped = record(edge["node"], runtime.base_url, fields)
        shaped.pop("name", None)  # a comment's "name" is its body again
        comments.append(shaped)
    info = connection["pageInfo"]
    page = Page(
        comments,
        [e["cursor"] for e in edges],
        int(connection["totalCount"]),
        info["endCursor"] if info["hasNextPage"] else None,
    )

    def envelope(kept: list[dict[str, Any]], next_cursor: str | None, note: str | None) -> Any:
        return page_payload(
            "task_comment",
            page.total,
            kept,
            next_cursor,
            note,
            lower_bound=bool(connection.get("totalIsLowerBound")),
        )

    hint = "call get_task_comments again with cursor={cursor!r}"
    return fit(page, runtime.token_budget, envelope, continue_hint=hint)


class Usage(Answer):
    """Product usage over a window, compared with the window just before."""

    id: str
    name: str | None = Field(default=None, description="The account's or person's name.")
    start: str
    end: str
    interval: str
    current: dict[str, Any] = Field(description="events, minutes, active_users in the window.")
    previous: dict[str, Any] = Field(description="The same for the previous window.")
    events_change_percent: float | None = None
    minutes_change_percent: float | None = None
    licensed_seats: int | None = None
    active_seats: int | None = None
    buckets: list[dict[str, Any]] = Field(description="Per day/week/month totals.")
    features: list[dict[str, Any]] = Field(description="Per feature, with change.")


_TOTALS = ("events", "minutes", "activeUsers")

#: What ``get_product_usage`` reads, as one ``asJson`` value: the key order is the answer's.
USAGE_PATHS = (
    "subjectId", "subject.id", "subject.displayName", "start", "end", "interval",
    *(f"current.{t}" for t in _TOTALS), *(f"previous.{t}" for t in _TOTALS),
    "eventsChangePercent", "minutesChangePercent", "licensedSeats", "activeSeats",
    "buckets.start", *(f"buckets.totals.{t}" for t in _TOTALS),
    "features.feature", *(f"features.current.{t}" for t in _TOTALS),
    *(f"features.previous.{t}" for t in _TOTALS), "features.eventsChangePercent",
)  # fmt: skip

#: ``account_timeline``'s events (and the account it echoes) as one ``asJson`` value.
TIMELINE_PATHS = (
    "account.id", "account.displayName", "edges.cursor",
    *(f"edges.node.{f}" for f in (
        "kind", "at", "title", "detail", "recordId", "objectType", "updatedAt"
    )),
)  # fmt: skip


async def get_product_usage(
    runtime: Runtime,
    ctx: Context[Any],
    id: str,
    since: str | None,
    until: str | None,
    interval: Literal["day", "week", "month"],
) -> dict[str, Any]:
    compiler = runtime.compiler
    ds = compiler.dsl

    def roots(var: Any) -> list[Any]:
        return [ds.Query.productUsage.args(
            id=var.id, since=var.since, until=var.until, interval=var.interval
        ).select(compiler.as_json("ProductUsage", USAGE_PATHS))]  # fmt: skip

    values = {
        "id": _required_id(id, "id"),
        "since": since,
        "until": until,
        "interval": interval.upper(),
    }
    operation = compiler.operation("ProductUsage", roots, values=values)
    usage = plain((await runtime.run(ctx, operation))["productUsage"]["asJson"])
    usage["id"] = usage.pop("subject_id")
    subject = usage.pop("subject", None) or {}
    usage["name"] = subject.get("name")  # the account or person the ID named, to confirm it
    usage["interval"] = str(usage["interval"]).lower()
    usage.setdefault("buckets", [])
    usage.setdefault("features", [])
    for key in ("current", "previous"):
        usage.setdefault(key, {})
    usage["url"] = record_url(runtime.base_url, usage["id"])
    return dict(usage)


async def account_by_id_or_name(runtime: Runtime, ctx: Context[Any], account: str) -> str:
    """An account ID as given, or the ID of the one visible account with exactly that name.

    Saves the model a search when the user names the account ("what happened with Acme Corp").
    """
    if decode_id(account) is not None:
        return account
    ds = runtime.compiler.dsl

    def roots(var: Any) -> list[Any]:
        return [
            ds.Query.accounts.args(filter=var.filter, first=3).select(
                ds.AccountConnection.nodes.select(ds.Account.id, ds.Account.displayName)
            )
        ]

    named = [{"field": "name", "op": "EQ", "value": account[:200]}]
    operation = runtime.compiler.operation("AccountByName", roots, values={"filter": named})
    found = (await runtime.run(ctx, operation))["accounts"]["nodes"]
    if len(found) == 1:
        return str(found[0]["id"])
    if not found:
        raise ToolInputError(
            no_visible_match("account", "name", account), argument="account", code="NOT_FOUND"
        )
    raise ToolInputError(
        f"several accounts are named {account[:60]!r}; pass one of their IDs",
        argument="account",
        choices=[f"{a['id']} ({a['displayName']})" for a in found],
    )


async def account_timeline(
    runtime: Runtime,
    ctx: Context[Any],
    account: str,
    since: str | None,
    until: str | None,
    kinds: list[TimelineKind] | None,
    limit: int | None,
    cursor: str | None,
) -> dict[str, Any]:
    compiler = runtime.compiler
    ds = compiler.dsl

    def roots(var: Any) -> list[Any]:
        page = ds.PageInfo
        page_info = ds.TimelineConnection.pageInfo.select(page.hasNextPage, page.endCursor)
        return [ds.Query.accountTimeline.args(
            accountId=var.accountId, since=var.since, until=var.until, kinds=var.kinds,
            first=var.first, after=var.after,
        ).select(
            ds.TimelineConnection.totalCount, page_info,
            compiler.as_json("TimelineConnection", TIMELINE_PATHS),
        )]  # fmt: skip

    account_id = await account_by_id_or_name(runtime, ctx, _required_id(account, "account"))
    values = {
        "accountId": account_id,
        "since": since if since is not None else "-30d",
        "until": until,
        "kinds": kinds,
        "first": page_size(limit),
        "after": cursor,
    }
    operation = compiler.operation("AccountTimeline", roots, values=values)
    connection = (await runtime.run(ctx, operation))["accountTimeline"]
    connection.update(connection.pop("asJson"))  # the account and the edges
    echoed = plain(connection["account"]) or {"id": account_id}
    events = []
    for edge in connection["edges"]:
        raw = edge["node"]
        events.append(timeline_event(raw, runtime.base_url))
    info = connection["pageInfo"]
    page = Page(
        events,
        [edge["cursor"] for edge in connection["edges"]],
        int(connection["totalCount"]),
        info["endCursor"] if info["hasNextPage"] else None,
    )

    def envelope(kept: list[dict[str, Any]], next_cursor: str | None, note: str | None) -> Any:
        payload = page_payload("timeline_event", page.total, kept, next_cursor, note)
        # The account as resolved (by ID or by name), so the model can confirm which it was.
        return {"account": echoed, "since": values["since"], **payload}

    hint = "call account_timeline again with the same window and cursor={cursor!r}"
    return fit(page, runtime.token_budget, envelope, continue_hint=hint)
