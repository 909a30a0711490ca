"""The connections page reads and revokes through GraphQL, like every other client.

The schema is executed in-process (no HTTP hop) by the function the app puts on
``app.state.graphql_execute`` (:func:`accountlens.schema.inprocess.execute_graphql`): the web
package may not import the schema itself, which would reach resolvers and the database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from fastapi import Request

from accountlens.auth.principal import Principal

LIST = """
query McpConnections {
  mcpConnections {
    id clientName clientId ownerName ownerEmail createdAt lastUsedAt expiresAt
  }
}
"""
REVOKE = "mutation Revoke($id: ID!) { revokeConnection(id: $id) }"


class GraphQLExecutor(Protocol):
    def __call__(
        self,
        request: Request,
        principal: Principal,
        document: str,
        variables: Mapping[str, Any] | None = None,
    ) -> Awaitable[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class ConnectionRow:
    """One row of the page, as GraphQL returned it."""

    id: str
    client_name: str
    client_id: str
    owner_name: str
    owner_email: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime


def _executor(request: Request) -> GraphQLExecutor:
    return cast(GraphQLExecutor, request.app.state.graphql_execute)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


async def list_connections(request: Request, principal: Principal) -> list[ConnectionRow]:
    data = await _executor(request)(request, principal, LIST)
    rows = []
    for item in data["mcpConnections"]:
        rows.append(
            ConnectionRow(
                id=item["id"],
                client_name=item["clientName"],
                client_id=item["clientId"],
                owner_name=item["ownerName"],
                owner_email=item["ownerEmail"],
                created_at=datetime.fromisoformat(item["createdAt"]),
                last_used_at=_time(item["lastUsedAt"]),
                expires_at=datetime.fromisoformat(item["expiresAt"]),
            )
        )
    return rows


async def revoke(request: Request, principal: Principal, connection_id: str) -> bool:
    """True when revoked; False when GraphQL answered "not found" or "bad input"."""
    try:
        await _executor(request)(request, principal, REVOKE, {"id": connection_id})
    except Exception as failure:  # OperationFailed, which the web may not import
        codes = getattr(failure, "codes", None)
        if codes is None:
            raise
        return False
    return True
