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
from accountlens.auth.connections import find_connection, list_connections
from accountlens.auth.principal import NARROWABLE_TYPES, Narrowing
from accountlens.auth.service_tokens import MAX_NAME, clean_name
from accountlens.resolvers.connections import live_connections_in_unit
from accountlens.schema.errors import BadInputError, ForbiddenError, NotFoundError
from accountlens.schema.ids import decode_as, encode_id
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


@strawberry.type(description="What a connection may read, as chosen on the consent page.")
class ConnectionNarrowing:
    object_types: list[str] | None = strawberry.field(
        description="The record types it may read (`account`, `person` …); null for every type."
    )
    transcripts: bool = strawberry.field(description="Whether it may read transcripts.")
    knowledge_base: bool = strawberry.field(description="Whether it may read KB articles.")
    excluded: list[str] = strawberry.field(
        description="What is left out: record types and document kinds (`transcript` …)."
    )

    @classmethod
    def of(cls, narrowing: Narrowing) -> ConnectionNarrowing:
        types = narrowing.object_types
        return cls(
            object_types=[t for t in NARROWABLE_TYPES if t in types] if types is not None else None,
            transcripts=narrowing.transcripts,
            knowledge_base=narrowing.knowledge_base,
            excluded=narrowing.excluded(),
        )


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
    owner_id: strawberry.ID | None = strawberry.field(description="The key owner (`usr_…`).")
    redirect_host: str = strawberry.field(description="Where the client received its code.")
    scope: str
    revoked_at: datetime | None = strawberry.field(description="Set once revoked (history).")
    revoked_by_name: str | None = strawberry.field(
        description="Who revoked it in the web UI or API; null for operators and expiry."
    )
    kind: str = strawberry.field(
        description="`oauth` (an MCP client a person approved) or `service` (an internal "
        "app's token an admin created; it reads as that admin, on `/graphql` only)."
    )
    narrowing: ConnectionNarrowing | None = strawberry.field(
        description="What it may read when narrowed on the consent page; null: everything."
    )

    @classmethod
    def from_view(cls, view: ConnectionView) -> McpConnection:
        owner = strawberry.ID(encode_id("user", view.owner_id)) if view.owner_id else None
        return cls(
            owner_id=owner,
            redirect_host=view.redirect_host,
            scope=view.scope,
            revoked_at=view.revoked_at,
            revoked_by_name=view.revoked_by_name,
            id=connection_id(view.id),
            client_name=view.client_name,
            client_id=view.client_id,
            owner_name=view.owner_name,
            owner_email=view.owner_email,
            created_at=view.created_at,
            last_used_at=view.last_used_at,
            expires_at=view.expires_at,
            kind=view.kind,
            narrowing=ConnectionNarrowing.of(view.narrowing)
            if view.narrowing.is_narrowed
            else None,
        )


@strawberry.type(description="A new service token; `token` is shown this once, never again.")
class ServiceToken:
    id: strawberry.ID
    token: str = strawberry.field(description="`alk_…`: send it as `Authorization: Bearer`.")
    expires_at: datetime


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
        views = await live_connections_in_unit(info.context.reader)
        if views is None:  # no unit of work: the reader reads a replica, this reads the primary
            async with info.context.primary_sessions() as session:
                views = await list_connections(session, info.context.principal)
        return [McpConnection.from_view(v) for v in views]

    @field("Revoked and expired connections you may see (history), newest first.")
    async def mcp_connection_history(self, info: AppInfo) -> list[McpConnection]:
        async with info.context.reader.sessions() as session:
            views = await list_connections(session, info.context.principal, history=True)
        return [McpConnection.from_view(v) for v in views]

    @field("One connection you may see, live or ended; null as for an unknown ID.")
    async def mcp_connection(self, info: AppInfo, id: strawberry.ID) -> McpConnection | None:
        parsed = parse_connection_id(str(id))
        if parsed is None:
            return None
        async with info.context.reader.sessions() as session:
            view = await find_connection(session, info.context.principal, parsed)
        return McpConnection.from_view(view) if view else None

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

    @field(
        "Admins: revoke every live connection of one user (`ownerId`) or of one client "
        "(`clientId`) in the org, from a signed-in browser; how many were revoked."
    )
    async def revoke_all_connections(
        self,
        info: AppInfo,
        owner_id: strawberry.ID | None = None,
        client_id: str | None = None,
    ) -> int:
        principal = info.context.principal
        if principal.connection_id is not None:
            raise ForbiddenError("revokeAllConnections needs a signed-in browser, not a token")
        if not principal.is_admin:
            raise ForbiddenError("only admins may revoke connections in bulk")
        owner = None
        if owner_id is not None:
            owner = decode_as("user", str(owner_id))
            if owner is None:
                raise BadInputError("not a user ID", field="ownerId")
        if (owner is None) == (client_id is None):
            raise BadInputError("give exactly one of ownerId and clientId", field="ownerId")
        request: Any = info.context.request
        if request is None:
            return 0
        return await get_auth_service(request).revoke_connections(
            principal, owner_id=owner, client_id=client_id
        )

    @field(
        "Admins, from a signed-in browser: a read-only token for an internal app to call "
        "`/graphql` with. It reads as you, expires after `days` (capped by the org's token "
        "lifetime ceiling) and is listed and revoked with the connections."
    )
    async def create_service_token(self, info: AppInfo, name: str, days: int = 90) -> ServiceToken:
        principal = info.context.principal
        if principal.via_token:
            raise ForbiddenError("createServiceToken needs a signed-in browser, not a token")
        if not principal.is_admin:
            raise ForbiddenError("only admins may create service tokens")
        cleaned = clean_name(name)
        if cleaned is None:
            raise BadInputError(
                f"name the app in 1 to {MAX_NAME} printable characters", field="name"
            )
        if not 1 <= days <= 3650:
            raise BadInputError("days must be between 1 and 3650", field="days")
        request: Any = info.context.request
        issued = (
            await get_auth_service(request).create_service_token(principal, cleaned, days)
            if request is not None
            else None
        )
        if issued is None:
            raise ForbiddenError("only admins may create service tokens")
        return ServiceToken(
            id=connection_id(issued.id), token=issued.token, expires_at=issued.expires_at
        )
