"""The connections page reads and revokes through GraphQL, like every other client.

The schema is executed in-process (no HTTP hop) by the function the app puts on
``app.state.graphql_execute`` (:func:`accountlens.schema.inprocess.execute_graphql`): the web
package may not import the schema itself, which would reach resolvers and the database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, cast

from fastapi import Request

from accountlens.auth.principal import Principal, left_out_words

_FIELDS = """
    id clientName clientId ownerId ownerName ownerEmail createdAt lastUsedAt expiresAt
    redirectHost scope revokedAt revokedByName kind
    narrowing { objectTypes transcripts knowledgeBase excluded }
"""
LIST = f"""
query McpConnections {{
  mcpConnections {{ {_FIELDS} }}
  mcpConnectionHistory {{ {_FIELDS} }}
}}
"""
ONE = f"query McpConnection($id: ID!) {{ mcpConnection(id: $id) {{ {_FIELDS} }} }}"
CREATE_APP_KEY = """
mutation CreateServiceToken($name: String!, $days: Int!) {
  createServiceToken(name: $name, days: $days) { id token expiresAt }
}
"""
REVOKE = "mutation Revoke($id: ID!) { revokeConnection(id: $id) }"
REVOKE_ALL = """
mutation RevokeAll($ownerId: ID, $clientId: String) {
  revokeAllConnections(ownerId: $ownerId, clientId: $clientId)
}
"""


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
    owner_id: str | None = None
    redirect_host: str = ""
    scope: str = ""
    revoked_at: datetime | None = None
    revoked_by_name: str | None = None
    kind: str = "oauth"
    narrowing: str = ""
    """What a narrowed connection may not read, for people (empty: not narrowed)."""

    @property
    def ended(self) -> str:
        """ "revoked" or "expired" for history rows, "" for live ones."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= datetime.now(UTC) else ""


def _executor(request: Request) -> GraphQLExecutor:
    return cast(GraphQLExecutor, request.app.state.graphql_execute)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _row(item: dict[str, Any]) -> ConnectionRow:
    return ConnectionRow(
        id=item["id"],
        client_name=item["clientName"],
        client_id=item["clientId"],
        owner_name=item["ownerName"],
        owner_email=item["ownerEmail"],
        created_at=datetime.fromisoformat(item["createdAt"]),
        last_used_at=_time(item["lastUsedAt"]),
        expires_at=datetime.fromisoformat(item["expiresAt"]),
        owner_id=item["ownerId"],
        redirect_host=item["redirectHost"],
        scope=item["scope"],
        revoked_at=_time(item["revokedAt"]),
        revoked_by_name=item["revokedByName"],
        kind=item["kind"],
        narrowing=narrowing_summary(item["narrowing"]),
    )


def narrowing_summary(narrowing: Mapping[str, Any] | None) -> str:
    """ "Narrowed: no tickets, no transcripts" for a narrowed connection; "" otherwise."""
    if not narrowing or not narrowing.get("excluded"):
        return ""
    left_out = [left_out_words(str(e)) for e in narrowing["excluded"]]
    return "Narrowed: no " + ", no ".join(left_out)


async def list_connections(
    request: Request, principal: Principal
) -> tuple[list[ConnectionRow], list[ConnectionRow]]:
    """Live connections and the history (revoked or expired), newest first."""
    data = await _executor(request)(request, principal, LIST)
    live = [_row(item) for item in data["mcpConnections"]]
    return live, [_row(item) for item in data["mcpConnectionHistory"]]


async def find_connection(
    request: Request, principal: Principal, connection_id: str
) -> ConnectionRow | None:
    try:
        data = await _executor(request)(request, principal, ONE, {"id": connection_id[:64]})
    except Exception as failure:  # OperationFailed, which the web may not import
        if getattr(failure, "codes", None) is None:
            raise
        return None
    return _row(data["mcpConnection"]) if data["mcpConnection"] else None


async def revoke_all(
    request: Request, principal: Principal, *, owner_id: str | None, client_id: str | None
) -> int | None:
    """How many were revoked; None when GraphQL refused (bad input, not an admin)."""
    variables = {"ownerId": owner_id, "clientId": client_id}
    try:
        data = await _executor(request)(request, principal, REVOKE_ALL, variables)
    except Exception as failure:  # OperationFailed
        if getattr(failure, "codes", None) is None:
            raise
        return None
    return int(data["revokeAllConnections"])


@dataclass(frozen=True, slots=True)
class NewServiceToken:
    id: str
    token: str
    expires_at: datetime


async def create_service_token(
    request: Request, principal: Principal, name: str, days: int
) -> NewServiceToken | str:
    """The new token (shown once), or why GraphQL refused (not an admin, a bad name)."""
    variables = {"name": name[:200], "days": days}
    try:
        data = await _executor(request)(request, principal, CREATE_APP_KEY, variables)
    except Exception as failure:  # OperationFailed
        if getattr(failure, "codes", None) is None:
            raise
        messages = getattr(failure, "messages", None) or ["the token could not be created"]
        return str(messages[0])
    made = data["createServiceToken"]
    return NewServiceToken(made["id"], made["token"], datetime.fromisoformat(made["expiresAt"]))


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
