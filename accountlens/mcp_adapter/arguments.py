"""Refusing unknown tools, argument names a tool does not have, and arguments of the wrong type.

An unknown tool is a protocol error (JSON-RPC ``-32602``, as the MCP specification lists it),
naming the tools there are. The SDK ignores unknown arguments, so a misspelt ``filter`` (for
``filters``) would silently list everything; such a call gets an ``isError`` result naming the
tool's real arguments. A value of the wrong type (``"limit": "x"``) gets the same kind of result,
naming the argument and what it should be: the SDK's own refusal is free text that quotes the
validation library and its documentation URL. This server middleware runs before the SDK.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS
from pydantic import ValidationError

from accountlens.mcp_adapter.errors import ToolInputError, close_matches, unknown
from accountlens.mcp_adapter.runtime import failure

#: Validates a tool's raw arguments (the SDK's own validator for that tool); raises
#: ``pydantic.ValidationError``.
Validator = Callable[[dict[str, Any]], object]


def argument_names(function: Callable[..., Any]) -> frozenset[str]:
    """A tool function's argument names (without the SDK's context parameter)."""
    return frozenset(name for name in inspect.signature(function).parameters if name != "ctx")


class UnknownArguments:
    """SDK server middleware: unknown tools and unknown argument names are refused."""

    def __init__(
        self, known: Mapping[str, frozenset[str]], validators: Mapping[str, Validator] | None = None
    ) -> None:
        self.known = known
        self.validators = validators or {}

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
                validate = self.validators.get(tool)
                if validate is not None:
                    try:
                        validate(dict(arguments))
                    except ValidationError as exc:
                        return failure(wrong_type(exc))
        return await call_next(ctx)


def wrong_type(exc: ValidationError) -> ToolInputError:
    """The first problem pydantic found, as "<argument path>: <what it should be>"."""
    problem = exc.errors(include_url=False, include_input=False)[0]
    path = [str(part) for part in problem["loc"]]
    where = ".".join(path) or "arguments"
    return ToolInputError(f"{where}: {problem['msg']}", argument=path[0] if path else None)
