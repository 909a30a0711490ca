"""Record pages (the tools' deep links) and a connection's audit log, read through GraphQL.

``/records/{id}`` shows any record the signed-in person may see; an ID they may not see is the
same "not found" page as one that does not exist. ``/admin/settings/connections/{id}`` shows a
connection's latest tool calls (admins: every connection of the org; members: their own). Both
run in-process GraphQL through ``app.state.graphql_execute``, like the connections page.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from accountlens.web.browser import (
    current_principal,
    error_page,
    render,
    sign_in_redirect,
    templates,
)
from accountlens.web.connections_source import GraphQLExecutor
from accountlens.web.record_view import (
    COMMENTS,
    LABELS,
    RELATED,
    comments_of,
    label_for,
    paragraphs,
    related_sections,
)
from accountlens.web.transcript import speaker_turns

router = APIRouter(include_in_schema=False)

_REF = "{ id displayName }"
RECORD = f"""
query Record($id: ID!) {{
  node(id: $id) {{
    id objectType displayName
    ... on Record {{ createdAt updatedAt custom }}
    ... on Account {{ domain industry employees lifecycleStage healthScore healthTrend
      renewalDate licensedSeats arr {{ amount currency }} owner {_REF} team {_REF}
      groups {_REF} relatedPeople: people(first: 25) {_REF}
      relatedOpportunities: opportunities(first: 25) {_REF}
      relatedTickets: tickets(first: 25) {_REF} relatedActivities: activities(first: 25) {_REF}
      relatedTasks: tasks(first: 25) {_REF} }}
    ... on Person {{ personEmail: email jobTitle: title persona phone lastContactedAt
      account {_REF} groups {_REF} }}
    ... on Opportunity {{ type stage stageCategory closeDate probability
      amount {{ amount currency }} owner {_REF} account {_REF} }}
    ... on Task {{ status priority dueDate completedAt taskDescription: description
      assignee {_REF} creator {_REF} account {_REF}
      taskComments: comments(first: 50) {{ id postedAt body author {{ displayName }} }} }}
    ... on Activity {{ kind occurredAt user {_REF} account {_REF} participants {_REF}
      activityBody: body }}
    ... on Project {{ kind status startDate dueDate owner {_REF} account {_REF} }}
    ... on Ticket {{ status priority openedAt closedAt requester {_REF} account {_REF}
      ticketDescription: description }}
    ... on Document {{ kind occurredAt durationSeconds account {_REF} documentBody: body }}
    ... on CustomObject {{ customType {_REF} account {_REF} }}
    ... on Group {{ kind memberType groupDescription: description
      memberAccounts: accounts(first: 50) {{ nodes {_REF} }}
      memberPeople: people(first: 50) {{ nodes {_REF} }} }}
    ... on TaskComment {{ postedAt author {_REF} task {_REF} commentBody: body }}
    ... on User {{ userEmail: email role }}
  }}
}}
"""
CALLS = """
query ConnectionCalls($id: ID!) {
  mcpConnection(id: $id) {
    id clientName clientId ownerId ownerName ownerEmail createdAt lastUsedAt expiresAt
    redirectHost scope revokedAt revokedByName kind
    narrowing { objectTypes transcripts knowledgeBase excluded }
  }
  mcpToolCalls(connectionId: $id, first: 100) {
    calledAt tool arguments outcome errorCode resultCount latencyMs
  }
}
"""
#: Long text shown below the fields, not in the table.
_BODIES = ("activityBody", "documentBody", "commentBody", "taskDescription",
           "ticketDescription", "groupDescription")  # fmt: skip
_HIDDEN = {"id", "objectType", "displayName", "custom", *_BODIES, *RELATED, COMMENTS}


def _executor(request: Request) -> GraphQLExecutor:
    return cast(GraphQLExecutor, request.app.state.graphql_execute)


def _value(value: Any) -> dict[str, Any]:
    """A cell: text, a link to another record, or a list of links."""
    if isinstance(value, list):
        return {"links": [_value(v) for v in value]}
    if isinstance(value, Mapping):
        if "displayName" in value:
            return {"text": value["displayName"], "href": f"/records/{value['id']}"}
        if set(value) == {"amount", "currency"}:
            return {"text": money(value["amount"], value["currency"])}
    if isinstance(value, str):
        return {"text": when(value)}
    return {"text": "" if value is None else str(value)}


_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def money(amount: object, currency: str) -> str:
    """``$285,600`` (cents only when there are any); unknown currencies keep their code."""
    try:
        number = Decimal(str(amount))
    except InvalidOperation:
        return f"{amount} {currency}"
    text = f"{number:,.2f}".removesuffix(".00")
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def when(text: str) -> str:
    """ISO dates and times as people read them (``20 Nov 2026``, ``… 14:05 UTC``); else as is."""
    if len(text) == 10 and text[4:5] == "-" and text[7:8] == "-":
        try:
            return date.fromisoformat(text).strftime("%-d %b %Y")
        except ValueError:
            return text
    if len(text) >= 19 and text[10:11] == "T":
        try:
            moment = datetime.fromisoformat(text).astimezone(UTC)
        except ValueError:
            return text
        return moment.strftime("%-d %b %Y, %H:%M UTC")
    return text


templates.env.filters["when"] = when


def rows_of(
    node: Mapping[str, Any], labels: Mapping[str, str] | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """The record's fields as (label, cell), custom fields last, empty ones left out.

    ``labels`` are the property definitions' labels by key (see :func:`labels_of`).
    """
    labels = labels or {}
    rows = [
        (label_for(key, labels), _value(value))
        for key, value in node.items()
        if key not in _HIDDEN and value not in (None, [], "")
    ]
    custom = node.get("custom") or {}
    rows += [
        (labels.get(key) or key, _value(value))
        for key, value in custom.items()
        if value is not None
    ]
    return rows


async def labels_of(request: Request, principal: Any, object_type: str) -> dict[str, str]:
    """The org's labels for one type's fields (types without definitions: none)."""
    try:
        data = await _executor(request)(request, principal, LABELS, {"type": object_type})
    except Exception as failure:  # OperationFailed: a type properties() does not describe
        if getattr(failure, "codes", None) is None:
            raise
        return {}
    return {p["key"]: p["label"] for p in data["properties"]}


@router.get("/records/{record_id}", response_class=HTMLResponse)
async def record_page(request: Request, record_id: str) -> Response:
    principal = await current_principal(request)
    if principal is None:
        return sign_in_redirect(request)
    try:
        data = await _executor(request)(request, principal, RECORD, {"id": record_id[:64]})
    except Exception as failure:  # OperationFailed, which the web may not import
        if getattr(failure, "codes", None) is None:
            raise
        data = {"node": None}
    node = data.get("node")
    if node is None:
        return error_page(request, "Not found", "There is no such record.", 404)
    body = next((node[key] for key in _BODIES if node.get(key)), None)
    turns = speaker_turns(body) if node.get("kind") == "transcript" and body else None
    labels = await labels_of(request, principal, str(node["objectType"]))
    context = {
        "record": node,
        "rows": rows_of(node, labels),
        "body": body,
        "paragraphs": paragraphs(body) if body and not turns else [],
        "turns": turns,
        "related": related_sections(node),
        "comments": comments_of(node),
    }
    return render(request, "records/record.html", context, principal=principal)


@router.get("/admin/settings/connections/{connection_id}", response_class=HTMLResponse)
async def connection_page(request: Request, connection_id: str) -> Response:
    principal = await current_principal(request)
    if principal is None:
        return sign_in_redirect(request)
    try:
        data = await _executor(request)(request, principal, CALLS, {"id": connection_id[:64]})
    except Exception as failure:  # OperationFailed
        if getattr(failure, "codes", None) is None:
            raise
        data = {"mcpConnection": None, "mcpToolCalls": []}
    connection = data["mcpConnection"]
    if connection is None:
        return error_page(request, "Not found", "There is no such connection.", 404)
    context = {"connection": connection, "calls": data["mcpToolCalls"]}
    return render(request, "records/connection.html", context, principal=principal)
