"""Refusing unknown tools and argument names a tool does not have, with a "did you mean".

An unknown tool is a protocol error (JSON-RPC ``-32602``, as the MCP specification lists it),
naming the tools there are. The SDK ignores unknown arguments, so a misspelt ``filter`` (for
``filters``) would silently list everything; such a call gets an ``isError`` result naming the
tool's real arguments. This server middleware runs before the SDK validates anything.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from accountlens.mcp_adapter.errors import close_matches, unknown
from accountlens.mcp_adapter.runtime import failure


def argument_names(function: Callable[..., Any]) -> frozenset[str]:
    """A tool function's argument names (without the SDK's context parameter)."""
    return frozenset(name for name in inspect.signature(function).parameters if name != "ctx")


class UnknownArguments:
    """SDK server middleware: unknown tools and unknown argument names are refused."""

    def __init__(self, known: Mapping[str, frozenset[str]]) -> None:
        self.known = known

    async def __call__(
        self, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        if ctx.method == "tools/call" and ctx.params:
            tool = str(ctx.params.get("name"))[:100]
            names = self.known.get(tool)
            if names is None:
                matches = close_matches(tool, self.known)
                hint = f"did you mean {matches[0]!r}? " if matches else ""
                raise MCPError(
                    INVALID_PARAMS,
                    f"Unknown tool: {tool!r}; {hint}the tools are: {', '.join(self.known)}",
                    {"tools": list(self.known), "did_you_mean": matches},
                )
            arguments = ctx.params.get("arguments")
            if isinstance(arguments, Mapping):
                for given in arguments:
                    if given not in names:
                        error = unknown("argument", str(given), names, argument=str(given))
                        return failure(error)
        return await call_next(ctx)
