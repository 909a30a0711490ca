"""``toolCallAudit``: what the assistant saw, org-wide for admins, one's own for members.

Each call lists the record IDs it returned (kept with the call, see ``accountlens.auth.audit``).
Keyset paging on ``(calledAt, id)``: ``endCursor`` of one page is ``after`` of the next.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from accountlens.auth.audit_search import AuditedCall, CallFilter, filter_choices, search_calls
from accountlens.schema.errors import BadInputError
from accountlens.schema.ids import decode_as, encode_id
from accountlens.schema.types.base import AppInfo, field

MAX_PAGE = 200


def _cursor(call: AuditedCall) -> str:
    raw = f"{call.called_at.isoformat()}|{call.id.hex}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _after(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    if not cursor:
        return None
    try:
        at, _, hex_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(at), uuid.UUID(hex=hex_id)
    except (ValueError, UnicodeDecodeError):
        raise BadInputError("not a cursor of this list", field="after") from None


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@strawberry.type(description="One MCP tool call, as the audit page lists it.")
class AuditedToolCall:
    id: strawberry.ID
    called_at: datetime
    user_id: strawberry.ID
    user_email: str
    client_id: str | None
    client_name: str | None = strawberry.field(description="As the client registered it.")
    tool: str
    arguments: JSON = strawberry.field(description="Without secrets, shortened.")
    outcome: str
    error_code: str | None
    result_count: int | None
    record_ids: list[str] = strawberry.field(
        description="The record IDs the call returned, first seen first (bounded)."
    )

    @classmethod
    def from_call(cls, call: AuditedCall) -> AuditedToolCall:
        return cls(
            id=strawberry.ID(call.id.hex),
            called_at=call.called_at,
            user_id=strawberry.ID(encode_id("user", call.user_id)),
            user_email=call.user_email,
            client_id=call.client_id,
            client_name=call.client_name,
            tool=call.tool,
            arguments=cast(JSON, call.arguments),
            outcome=call.outcome,
            error_code=call.error_code,
            result_count=call.result_count,
            record_ids=list(call.record_ids),
        )


@strawberry.type
class ToolCallAuditPage:
    nodes: list[AuditedToolCall]
    end_cursor: str | None
    has_next_page: bool


@strawberry.type
class AuditChoice:
    value: str
    label: str


@strawberry.type(description="The users, clients and tools that occur in the calls you may see.")
class ToolCallAuditFilters:
    users: list[AuditChoice]
    clients: list[AuditChoice]
    tools: list[str]


@strawberry.type
class AuditQuery:
    @field(
        "Tool calls you may see (an admin's whole org, a member's own connections), newest "
        "first, filtered; at most 200 per page."
    )
    async def tool_call_audit(
        self,
        info: AppInfo,
        user_id: strawberry.ID | None = None,
        client_id: str | None = None,
        tool: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> ToolCallAuditPage:
        user = None
        if user_id:
            user = decode_as("user", str(user_id))
            if user is None:
                raise BadInputError("not a user ID", field="userId")
        wanted = CallFilter(
            user_id=user,
            client_id=client_id or None,
            tool=tool or None,
            since=_aware(since, "since"),
            until=_aware(until, "until"),
        )
        size = max(1, min(first, MAX_PAGE))
        async with info.context.primary_sessions() as session:
            calls = await search_calls(
                session, info.context.principal, wanted, size + 1, _after(after)
            )
        page = calls[:size]
        return ToolCallAuditPage(
            nodes=[AuditedToolCall.from_call(c) for c in page],
            end_cursor=_cursor(page[-1]) if page else None,
            has_next_page=len(calls) > size,
        )

    @field("The filter options of the audit page: who, which client and which tool occur.")
    async def tool_call_audit_filters(self, info: AppInfo) -> ToolCallAuditFilters:
        async with info.context.primary_sessions() as session:
            people, clients, tools = await filter_choices(session, info.context.principal)
        return ToolCallAuditFilters(
            users=[AuditChoice(value=encode_id("user", u), label=e) for u, e in people],
            clients=[AuditChoice(value=c, label=n) for c, n in clients],
            tools=tools,
        )
