"""The org-wide audit page: which tool calls ran, as whom, through which client, returning what.

Admins see every call of their org, members the calls of their own connections
(:func:`accountlens.auth.visibility.visible_org_tool_calls`). Filters narrow that set; pages
are keyset-paged on ``(called_at, id)`` newest first, so page 40 costs what page 1 does.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from accountlens.auth import visibility as v
from accountlens.auth.principal import Principal
from accountlens.db.models import Connection, ToolCall, User


@dataclass(frozen=True, slots=True)
class CallFilter:
    """What the page's filter form asks for; unset fields match everything."""

    user_id: uuid.UUID | None = None
    client_id: str | None = None
    tool: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


@dataclass(frozen=True, slots=True)
class AuditedCall:
    id: uuid.UUID
    called_at: datetime
    user_id: uuid.UUID
    user_email: str
    client_id: str | None
    client_name: str | None
    connection_id: uuid.UUID | None
    tool: str
    arguments: dict[str, Any]
    outcome: str
    error_code: str | None
    result_count: int | None
    latency_ms: float
    record_ids: tuple[str, ...] = field(default=())


async def search_calls(
    session: AsyncSession,
    principal: Principal,
    wanted: CallFilter,
    first: int,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> list[AuditedCall]:
    """Up to ``first`` visible calls matching ``wanted``, newest first, after the cursor."""
    where = [v.visible_org_tool_calls(principal)]
    if wanted.user_id is not None:
        where.append(v.tool_calls_of_user(wanted.user_id))
    if wanted.client_id:
        where.append(ToolCall.client_id == wanted.client_id)
    if wanted.tool:
        where.append(ToolCall.tool == wanted.tool)
    if wanted.since is not None:
        where.append(ToolCall.called_at >= wanted.since)
    if wanted.until is not None:
        where.append(ToolCall.called_at < wanted.until)
    if after is not None:
        at, last_id = after
        where.append(
            or_(ToolCall.called_at < at, and_(ToolCall.called_at == at, ToolCall.id > last_id))
        )
    statement = (
        select(ToolCall, User.email, Connection.client_name)
        .join(User, (User.org_id == ToolCall.org_id) & (User.id == ToolCall.user_id))
        .outerjoin(
            Connection,
            (Connection.org_id == ToolCall.org_id) & (Connection.id == ToolCall.connection_id),
        )
        .where(*where)
        .order_by(ToolCall.called_at.desc(), ToolCall.id)
        .limit(max(1, min(first, 500)))
    )
    return [
        AuditedCall(
            id=row.id,
            called_at=row.called_at,
            user_id=row.user_id,
            user_email=email,
            client_id=row.client_id,
            client_name=client_name,
            connection_id=row.connection_id,
            tool=row.tool,
            arguments=dict(row.arguments),
            outcome=row.outcome,
            error_code=row.error_code,
            result_count=row.result_count,
            latency_ms=row.latency_ms,
            record_ids=tuple(row.record_ids or ()),
        )
        for row, email, client_name in (await session.execute(statement)).all()
    ]


async def filter_choices(
    session: AsyncSession, principal: Principal
) -> tuple[list[tuple[uuid.UUID, str]], list[tuple[str, str]], list[str]]:
    """The users, clients and tools that occur in the visible calls (the filter's options)."""
    visible = v.visible_org_tool_calls(principal)
    people = (
        await session.execute(
            select(User.id, User.email)
            .join(ToolCall, (ToolCall.org_id == User.org_id) & (ToolCall.user_id == User.id))
            .where(visible)
            .distinct()
            .order_by(User.email)
        )
    ).all()
    clients = (
        await session.execute(
            select(ToolCall.client_id, Connection.client_name)
            .outerjoin(
                Connection,
                (Connection.org_id == ToolCall.org_id) & (Connection.id == ToolCall.connection_id),
            )
            .where(visible, ToolCall.client_id.is_not(None))
            .distinct()
        )
    ).all()
    names: dict[str, str] = {}
    for client_id, name in clients:
        if client_id is not None:
            names.setdefault(client_id, name or client_id)
    tools = (
        await session.scalars(
            select(ToolCall.tool).where(visible).distinct().order_by(ToolCall.tool)
        )
    ).all()
    return (
        [(uid, email) for uid, email in people],
        sorted(names.items(), key=lambda kv: kv[1].lower()),
        list(tools),
    )
