"""The audit log of MCP tool calls: writing entries, and reading them for a connection's page.

Written on the primary database, one short transaction per call. Read with the same rule as
connections themselves (``accountlens.auth.connections``): admins see every connection's calls in
their org, members only their own; another org's connection, or a colleague's for a member,
shows nothing at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from accountlens.db.models import ToolCall


class CallRecord(Protocol):
    """One tool call as the MCP adapter reports it (``mcp_adapter.audit.ToolCallEntry``)."""

    @property
    def principal(self) -> Principal: ...
    @property
    def tool(self) -> str: ...
    @property
    def arguments(self) -> Mapping[str, Any]: ...
    @property
    def outcome(self) -> str: ...
    @property
    def result_count(self) -> int | None: ...
    @property
    def latency_ms(self) -> float: ...
    @property
    def error_code(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class ToolCallView:
    """One audit row as pages and the API show it."""

    called_at: datetime
    tool: str
    arguments: dict[str, Any]
    outcome: str
    error_code: str | None
    result_count: int | None
    latency_ms: float
    client_id: str | None


class DatabaseAuditLog:
    """Stores tool calls in ``mcp_tool_calls`` (``mcp_adapter.audit.AuditLog``)."""

    def __init__(self, database: Callable[[], Database]) -> None:
        self._database = database

    async def record(self, entry: CallRecord) -> None:
        principal = entry.principal
        async with self._database().sessions() as session:
            await session.execute(
                insert(ToolCall).values(
                    org_id=principal.org_id,
                    id=uuid.uuid4(),
                    connection_id=principal.connection_id,
                    user_id=principal.user_id,
                    client_id=principal.client_id,
                    tool=entry.tool,
                    arguments=dict(entry.arguments),
                    outcome=entry.outcome,
                    error_code=entry.error_code,
                    result_count=entry.result_count,
                    latency_ms=entry.latency_ms,
                )
            )
            await session.commit()


async def recent_calls(
    session: AsyncSession, principal: Principal, connection_id: uuid.UUID, limit: int = 50
) -> list[ToolCallView]:
    """The newest calls through one connection, if ``principal`` may see that connection."""
    statement = (
        select(ToolCall)
        .where(ToolCall.org_id == principal.org_id, ToolCall.connection_id == connection_id)
        .order_by(ToolCall.called_at.desc(), ToolCall.id)
        .limit(max(1, min(limit, 200)))
    )
    if not principal.is_admin:
        statement = statement.where(ToolCall.user_id == principal.user_id)
    rows = (await session.scalars(statement)).all()
    return [
        ToolCallView(
            called_at=row.called_at,
            tool=row.tool,
            arguments=dict(row.arguments),
            outcome=row.outcome,
            error_code=row.error_code,
            result_count=row.result_count,
            latency_ms=row.latency_ms,
            client_id=row.client_id,
        )
        for row in rows
    ]
