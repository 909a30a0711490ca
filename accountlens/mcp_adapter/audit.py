"""Recording every tool call: who, which tool, what arguments, how many results, how it went.

:class:`AuditMiddleware` wraps every inbound MCP message (the SDK's server middleware) and, for
``tools/call``, hands one entry to the :class:`AuditLog` the app provides, with the call's HTTP
request (the auth package stores it in PostgreSQL: in the request's own transaction when it has
one, in the statement that also counts the request, else in the background). It sees calls
that fail validation or name no tool, too. Arguments are kept without secrets and shortened; a
failing audit write is logged, never fails the call.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp_types import CallToolResult

from accountlens.auth.principal import Principal

log = logging.getLogger(__name__)

_SECRET_KEY = re.compile(r"token|secret|password|authorization|api[_-]?key|cookie", re.I)
_MAX_TEXT = 200
_MAX_ITEMS = 20


@dataclass(frozen=True, slots=True)
class ToolCallEntry:
    """One tool call as the audit log keeps it."""

    principal: Principal
    tool: str
    arguments: dict[str, Any]
    outcome: str  # ok | error | rejected
    result_count: int | None
    latency_ms: float
    error_code: str | None = None
    record_ids: tuple[str, ...] = ()


class AuditLog(Protocol):
    """Where entries go (implemented by ``accountlens.auth.audit``).

    ``record`` may only queue the entry; ``running`` is entered for as long as the server runs
    (writing in the background) and writes what is still queued on the way out; ``flush``
    writes what is queued now (False, rows kept for a retry, when the database is away).
    """

    async def record(self, entry: ToolCallEntry, request: Any = None) -> None:
        """Keep ``entry``; ``request`` is the call's HTTP request (its state may say where)."""
        ...

    def running(self) -> AbstractAsyncContextManager[None]: ...

    async def flush(self) -> bool: ...


def redact(value: Any, depth: int = 0) -> Any:
    """Arguments fit for the log: secret-looking keys masked, long values shortened."""
    if depth > 4:
        return "…"
    if isinstance(value, Mapping):
        return {
            str(k)[:60]: "[redacted]" if _SECRET_KEY.search(str(k)) else redact(v, depth + 1)
            for k, v in list(value.items())[:_MAX_ITEMS]
        }
    if isinstance(value, list | tuple):
        return [redact(v, depth + 1) for v in value[:_MAX_ITEMS]]
    if isinstance(value, str) and len(value) > _MAX_TEXT:
        return value[:_MAX_TEXT] + "…"
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)[:_MAX_TEXT]


def result_count(structured: Mapping[str, Any] | None) -> int | None:
    """How many results an answer held (``count``), if it says."""
    if not structured:
        return None
    count = structured.get("count")
    return count if isinstance(count, int) else None


#: The record IDs one audit row keeps (the store may keep fewer: ACCOUNTLENS_AUDIT_MAX_RECORD_IDS).
MAX_RECORD_IDS = 1000
_RECORD_ID = re.compile(r"^[a-z]{2,5}_[0-9A-Za-z]{22}$")


def returned_ids(structured: Any, limit: int = MAX_RECORD_IDS) -> tuple[str, ...]:
    """The record IDs (``id`` fields shaped like ``acc_…``) an answer held, first seen first.

    Runs on every answer (a page of 25 accounts holds ~1,000 values): values are told apart by
    their exact type first, because a scalar checked against ``Mapping`` (an ABC) costs several
    times a ``type()`` look-up, and scalars are most of an answer.
    """
    found: dict[str, None] = {}
    stack: list[Any] = [structured]
    while stack and len(found) < limit:
        value = stack.pop()
        kind = type(value)
        if kind in _SCALARS:
            continue
        if kind is dict or isinstance(value, Mapping):
            record_id = value.get("id")
            if type(record_id) is str and _RECORD_ID.match(record_id):
                found.setdefault(record_id, None)
            # Only containers can hold more IDs: scalars never go on the stack.
            children = [v for k, v in value.items() if type(v) not in _SCALARS and k != "id"]
            children.reverse()
            stack.extend(children)
        elif kind is list or isinstance(value, list | tuple):
            stack.extend(reversed(value))
    return tuple(found)[:limit]


#: Values that hold no record IDs; most of an answer.
_SCALARS = frozenset({str, int, float, bool, type(None)})


Outcome = tuple[str, int | None, str | None, tuple[str, ...]]


def _outcome(result: HandlerResult) -> Outcome:
    if isinstance(result, CallToolResult):
        structured = result.structured_content
        if result.is_error:
            error = (structured or {}).get("error") or {}
            code = error.get("code") if isinstance(error, Mapping) else None
            return "error", None, str(code) if code else None, ()
        return "ok", result_count(structured), None, returned_ids(structured)
    if isinstance(result, Mapping):
        structured = result.get("structuredContent")
        if result.get("isError"):
            return "error", None, None, ()
        known = structured if isinstance(structured, Mapping) else None
        return "ok", result_count(known), None, returned_ids(known)
    return "ok", None, None, ()


class AuditMiddleware:
    """SDK server middleware: one audit entry per ``tools/call``."""

    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit

    async def __call__(
        self, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        if ctx.method != "tools/call":
            return await call_next(ctx)
        principal = getattr(getattr(ctx.request, "state", None), "principal", None)
        params = ctx.params or {}
        started = time.perf_counter()
        outcome, count, code = "rejected", None, None
        ids: tuple[str, ...] = ()
        try:
            result = await call_next(ctx)
            outcome, count, code, ids = _outcome(result)
            return result
        except Exception as exc:
            code = type(exc).__name__
            raise
        finally:
            if isinstance(principal, Principal):
                entry = ToolCallEntry(
                    principal=principal,
                    tool=str(params.get("name") or "")[:100],
                    arguments=redact(params.get("arguments") or {}),
                    outcome=outcome,
                    result_count=count,
                    latency_ms=round((time.perf_counter() - started) * 1000, 2),
                    error_code=code,
                    record_ids=ids,
                )
                try:
                    await self.audit.record(entry, ctx.request)
                except Exception:  # the call's answer matters more than its audit row
                    log.exception("could not record an MCP tool call in the audit log")
