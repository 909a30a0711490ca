"""MCP connections in the API: the ``mcpConnections`` query and the one mutation.

The visibility rule (admins: the whole org; members: their own; anything else is "not found")
lives in :mod:`accountlens.auth.connections`; these resolvers only delegate to it, so the web
page, internal apps and any other caller get the same answer. Both read the primary
database (the context's reader may be a replica, where a connection made a moment ago is not
yet), and ``revokeConnection`` writes through the auth service, on the primary too.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

import strawberry
from strawberry.scalars import JSON

from accountlens.auth.api import ConnectionView, get_auth_service
from accountlens.auth.audit import ToolCallView, recent_calls
from accountlens.auth.connections import list_connections
from accountlens.schema.errors import BadInputError, NotFoundError
from accountlens.schema.types.base import AppInfo, field

ID_PREFIX = "con_"


def connection_id(value: uuid.UUID) -> strawberry.ID:
    return strawberry.ID(ID_PREFIX + value.hex)


def parse_connection_id(value: str) -> uuid.UUID | None:
    if not value.startswith(ID_PREFIX):
        return None
    try:
        return uuid.UUID(hex=value.removeprefix(ID_PREFIX))
    except ValueError:
        return None


@strawberry.type(description="One authorization of an MCP client by a user (SPEC §6).")
class McpConnection:
    id: strawberry.ID
    client_name: str = strawberry.field(description="The client's name as it registered.")
    client_id: str
    owner_name: str = strawberry.field(description="The key owner: the user it acts as.")
    owner_email: str
    created_at: datetime
    last_used_at: datetime | None = strawberry.field(
        description="Recorded at most about once a minute."
    )
    expires_at: datetime

    @classmethod
    def from_view(cls, view: ConnectionView) -> McpConnection:
        return cls(
            id=connection_id(view.id),
            client_name=view.client_name,
            client_id=view.client_id,
            owner_name=view.owner_name,
            owner_email=view.owner_email,
            created_at=view.created_at,
            last_used_at=view.last_used_at,
            expires_at=view.expires_at,
        )


@strawberry.type(description="One MCP tool call through a connection (the audit log).")
class McpToolCall:
    called_at: datetime
    tool: str
    arguments: JSON = strawberry.field(description="The arguments, without secrets, shortened.")
    outcome: str = strawberry.field(description="ok, error (the tool refused) or rejected.")
    error_code: str | None
    result_count: int | None
    latency_ms: float

    @classmethod
    def from_view(cls, view: ToolCallView) -> McpToolCall:
        return cls(
            called_at=view.called_at,
            tool=view.tool,
            arguments=cast(JSON, view.arguments),
            outcome=view.outcome,
            error_code=view.error_code,
            result_count=view.result_count,
            latency_ms=view.latency_ms,
        )


@strawberry.type
class ConnectionsQuery:
    @field("Live MCP connections you may see: an admin's whole org, a member's own.")
    async def mcp_connections(self, info: AppInfo) -> list[McpConnection]:
        async with info.context.primary_sessions() as session:
            views = await list_connections(session, info.context.principal)
        return [McpConnection.from_view(v) for v in views]

    @field("The latest tool calls through a connection you may see, newest first.")
    async def mcp_tool_calls(
        self, info: AppInfo, connection_id: strawberry.ID, first: int = 50
    ) -> list[McpToolCall]:
        parsed = parse_connection_id(str(connection_id))
        if parsed is None:
            raise NotFoundError("no connection with that ID", field="connectionId")
        async with info.context.primary_sessions() as session:
            views = await recent_calls(session, info.context.principal, parsed, first)
        return [McpToolCall.from_view(v) for v in views]


@strawberry.type(description="The one write: revoking an MCP connection.")
class Mutation:
    @field("Revoke a connection you may see; it stops working on its very next request.")
    async def revoke_connection(self, info: AppInfo, id: strawberry.ID) -> strawberry.ID:
        parsed = parse_connection_id(str(id))
        if parsed is None:
            raise BadInputError("not a connection ID", field="id")
        request: Any = info.context.request
        if request is None:
            raise NotFoundError("no connection with that ID", field="id")
        if not await get_auth_service(request).revoke_connection(info.context.principal, parsed):
            raise NotFoundError("no connection with that ID", field="id")
        return id
