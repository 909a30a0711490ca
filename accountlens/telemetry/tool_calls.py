"""Counting and timing MCP tool calls, by tool and outcome.

:class:`ToolCallMetrics` is MCP SDK server middleware (the MCP adapter puts it outermost, so it
also sees calls refused for an unknown tool or argument). Outcomes: ``ok``; ``error``, an
``isError`` answer the model reads (bad arguments, nothing found, a failed data-layer call);
``rejected``, a protocol error or an exception instead of an answer. Tool names outside the
server's own list are counted as ``unknown``, so a caller cannot mint label values.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

from accountlens.telemetry.metrics import TOOL_CALLS, TOOL_LATENCY


def _is_error(result: HandlerResult) -> bool:
    if isinstance(result, Mapping):
        return bool(result.get("isError"))
    return bool(getattr(result, "is_error", False))


class ToolCallMetrics:
    """SDK server middleware: ``accountlens_mcp_tool_calls_total`` and the latency histogram."""

    def __init__(self, tools: Iterable[str]) -> None:
        self.tools = frozenset(tools)

    async def __call__(
        self, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        if ctx.method != "tools/call":
            return await call_next(ctx)
        name = str((ctx.params or {}).get("name") or "")
        tool = name if name in self.tools else "unknown"
        outcome = "rejected"
        started = time.perf_counter()
        try:
            result = await call_next(ctx)
            outcome = "error" if _is_error(result) else "ok"
            return result
        finally:
            TOOL_CALLS.labels(tool, outcome).inc()
            TOOL_LATENCY.labels(tool).observe(time.perf_counter() - started)
