"""The audit log of MCP tool calls: writing entries, and reading them for a connection's page.

Written on the primary database: with the call's own transaction when it has one (no read
replica: :mod:`accountlens.auth.request_unit`), else in the background, in batches (see
:class:`DatabaseAuditLog`).
Read with the same rule as connections themselves (``accountlens.auth.visibility``): admins see
every connection's calls in their org, members only their own; another org's connection, or a
colleague's for a member, shows nothing at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import insert, select
from sqlalchemy.exc import DataError, IntegrityError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession

from accountlens.auth.principal import Principal
from accountlens.auth.request_unit import unit_of
from accountlens.auth.visibility import visible_tool_calls
from accountlens.db.engine import Database
from accountlens.db.models import ToolCall

log = logging.getLogger(__name__)


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
    @property
    def record_ids(self) -> tuple[str, ...]: ...


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


#: How often queued rows are retried while the database refuses them.
RETRY_SECONDS = 1.0

#: Errors that blame the rows rather than the database's availability (a value it cannot
#: store, an org deleted meanwhile): retrying the same batch would never succeed.
_REFUSED_ROWS = (DataError, IntegrityError, ProgrammingError)


class DatabaseAuditLog:
    """Stores tool calls in ``mcp_tool_calls`` (``mcp_adapter.audit.AuditLog``).

    While :meth:`running`, :meth:`record` only queues the entry (stamped with the time of the
    call) and a background task writes whatever is queued in one multi-row ``INSERT``, so the
    answer to a tool call never waits for its audit row. Under light load a row lands
    milliseconds after the call; under heavy load the batches grow instead of the statements.
    When the queue is full, or outside :meth:`running`, the entry is written at once, never
    dropped. Leaving :meth:`running` (the app's shutdown) writes everything still queued.
    """

    def __init__(
        self,
        database: Callable[[], Database],
        *,
        max_queued: int = 10_000,
        batch_size: int = 500,
        max_record_ids: int = 100,
    ) -> None:
        self._database = database
        self.max_record_ids = max_record_ids
        self.max_queued = max_queued
        self.batch_size = batch_size
        self._queued: deque[dict[str, Any]] = deque()
        self._wake = asyncio.Event()
        self._writing = asyncio.Lock()
        self._writer: asyncio.Task[None] | None = None
        self._stopping = False

    async def record(self, entry: CallRecord, request: Any = None) -> None:
        """Keep ``entry``; with the HTTP ``request`` of the call, in its unit of work if any.

        A request with a unit of work (:mod:`accountlens.auth.request_unit`) writes the row in
        its own transaction, in the statement that counts the request, just before its answer
        is sent: no statement of its own. Else (and if that transaction fails) it is queued.
        """
        row = _row(entry, datetime.now(UTC), self.max_record_ids)
        unit = unit_of(request)
        if unit is None or not unit.audit(row, self._keep):
            await self._keep([row])

    async def _keep(self, rows: list[dict[str, Any]]) -> None:
        """Queue ``rows`` for the writer, or write them at once when it is not running or full."""
        if self._writer is None or self._writer.done() or len(self._queued) >= self.max_queued:
            await self._write(rows)
            return
        self._queued.extend(rows)
        self._wake.set()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Write queued entries in the background for as long as the block runs."""
        self._stopping = False
        self._writer = asyncio.create_task(self._write_queued_forever(), name="audit-writer")
        try:
            yield
        finally:
            self._stopping = True
            self._wake.set()
            await self._writer
            self._writer = None
            if not await self.flush():  # anything queued while the writer was finishing
                log.error("audit log: %d tool calls lost at shutdown", len(self._queued))

    async def flush(self) -> bool:
        """Write everything queued so far, including a batch the writer is writing now.

        False when the database is away: the rows stay queued (each stamped with its call's
        time) and the writer retries every :data:`RETRY_SECONDS` until it is back.
        """
        async with self._writing:
            while self._queued:
                batch = [
                    self._queued.popleft() for _ in range(min(self.batch_size, len(self._queued)))
                ]
                try:
                    await self._write(batch)
                except _REFUSED_ROWS:  # the rows are at fault, not the database: one by one
                    await self._write_each(batch)
                except Exception as exc:  # the database is away; the answers are already sent
                    self._queued.extendleft(reversed(batch))
                    log.warning(
                        "audit log: database unavailable (%s); %d tool calls kept for a retry",
                        type(exc).__name__,
                        len(self._queued),
                    )
                    return False
        return True

    async def _write_queued_forever(self) -> None:
        waiting = False  # rows are queued that the database refused: retry on a timer
        while not self._stopping:
            if waiting:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), RETRY_SECONDS)
            else:
                await self._wake.wait()
            self._wake.clear()
            waiting = not await self.flush()

    async def _write_each(self, rows: list[dict[str, Any]]) -> None:
        """Write rows singly, so one the database will never take cannot block the rest."""
        for row in rows:
            try:
                await self._write([row])
            except _REFUSED_ROWS as exc:
                log.error(
                    "audit log: the database refused the row of a %r call on connection %s (%s)",
                    row["tool"],
                    row["connection_id"],
                    type(exc).__name__,
                )

    async def _write(self, rows: list[dict[str, Any]]) -> None:
        async with self._database().engine.connect() as pooled:
            conn = await pooled.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(insert(ToolCall), rows)


def _row(entry: CallRecord, called_at: datetime, max_record_ids: int) -> dict[str, Any]:
    principal = entry.principal
    ids = [_storable(str(i))[:100] for i in entry.record_ids[:max_record_ids]]
    return {
        "org_id": principal.org_id,
        "id": uuid.uuid4(),
        "called_at": called_at,
        "connection_id": principal.connection_id,
        "user_id": principal.user_id,
        "client_id": _storable(principal.client_id),
        "tool": _storable(entry.tool),
        "arguments": _storable(dict(entry.arguments)),
        "outcome": entry.outcome,
        "error_code": _storable(entry.error_code),
        "result_count": entry.result_count,
        "latency_ms": entry.latency_ms,
        "record_ids": ids or None,
    }


def _storable(value: Any) -> Any:
    """``value`` with NUL characters replaced and NaN or infinite numbers as text (``"nan"``):
    PostgreSQL text and JSONB cannot hold either (a JSON body may carry ``NaN``)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


async def recent_calls(
    session: AsyncSession, principal: Principal, connection_id: uuid.UUID, limit: int = 50
) -> list[ToolCallView]:
    """The newest calls through one connection, if ``principal`` may see that connection."""
    statement = (
        select(ToolCall)
        .where(visible_tool_calls(principal, connection_id))
        .order_by(ToolCall.called_at.desc(), ToolCall.id)
        .limit(max(1, min(limit, 200)))
    )
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
