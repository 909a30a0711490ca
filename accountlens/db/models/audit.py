"""The audit logs: MCP tool calls (one row per call, per connection) and admin actions.

Rows are written by ``accountlens.auth.audit`` and never updated. The key and the index lead with
``org_id`` like every other table; the index serves "the latest calls of one connection".
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from accountlens.db.models.base import Base


class ToolCall(Base):
    """One MCP tool call: when, which tool, the arguments (without secrets), how it went."""

    __tablename__ = "mcp_tool_calls"
    __table_args__ = (
        Index(None, "org_id", "connection_id", "called_at"),
        Index(None, "org_id", "called_at", "id"),  # the org-wide page's keyset paging
    )

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    called_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    connection_id: Mapped[uuid.UUID | None] = mapped_column()
    user_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    client_id: Mapped[str | None] = mapped_column(Text)
    tool: Mapped[str] = mapped_column(Text, nullable=False)
    arguments: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    outcome: Mapped[str] = mapped_column(Text, nullable=False)
    error_code: Mapped[str | None] = mapped_column(Text)
    result_count: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[float] = mapped_column(Float, nullable=False)
    #: The record IDs the call returned, at most ``ACCOUNTLENS_AUDIT_MAX_RECORD_IDS``.
    record_ids: Mapped[list[str] | None] = mapped_column(ARRAY(Text))


class AdminAction(Base):
    """One admin action (or a redeemed invite/reset link): who, what, on whom, when."""

    __tablename__ = "admin_audit"
    __table_args__ = (Index(None, "org_id", "at"),)

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    actor_email: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    target: Mapped[str] = mapped_column(Text, nullable=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)


__all__ = ["AdminAction", "ToolCall"]
