"""What every tool needs at call time: who is calling, how to run GraphQL, how to answer.

A tool body receives a :class:`Runtime` and the SDK's ``Context``; it returns a payload dict or
raises :class:`ToolInputError`. :func:`answer` turns either into the ``CallToolResult`` the SDK
sends: ``structured_content`` plus the same compact JSON as text, or an ``isError`` result whose
JSON names what was wrong and what would be right.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult, TextContent

from accountlens.auth.principal import Principal
from accountlens.mcp_adapter.budget import Answer, dumps
from accountlens.mcp_adapter.compile import Compiler, Operation
from accountlens.mcp_adapter.errors import ToolInputError
from accountlens.mcp_adapter.execute import Executor, InvalidOperationError

log = logging.getLogger(__name__)

#: Arguments' upper bounds (SPEC §5).
MAX_LIMIT = 100
DEFAULT_LIMIT = 25


@dataclass
class Runtime:
    """The tools' shared dependencies, built once per server."""

    executor: Executor
    compiler: Compiler
    base_url: str
    token_budget: int

    async def run(self, ctx: Context[Any], operation: Operation) -> dict[str, Any]:
        """Execute ``operation`` as the caller of this request.

        A compiled operation the schema refuses is logged as our bug, naming the tool and the
        validator's complaint (never the arguments), and answered as ``INTERNAL``.
        """
        try:
            return await self.executor.run(
                principal_of(ctx), operation, ctx.request_context.request
            )
        except InvalidOperationError as bug:
            log.error(
                "tool %s compiled an operation (%s) that fails GraphQL validation: %s",
                tool_name(ctx),
                bug.operation,
                "; ".join(bug.problems)[:2000],
            )
            raise


def tool_name(ctx: Context[Any]) -> str:
    """The name of the tool this request calls (for logs)."""
    params = getattr(ctx.request_context, "params", None) or {}
    return str(params.get("name") or "?")[:100]


def principal_of(ctx: Context[Any]) -> Principal:
    """The principal the bearer guard put on this HTTP request."""
    request = ctx.request_context.request
    principal = getattr(getattr(request, "state", None), "principal", None)
    if not isinstance(principal, Principal):
        # Unreachable behind the guard; refuse rather than run unauthenticated.
        raise ToolInputError("this request is not authenticated", code="UNAUTHENTICATED")
    return principal


def success(payload: dict[str, Any]) -> CallToolResult:
    # A page that went through the token budget was serialized there already: reuse it.
    text = payload.text if isinstance(payload, Answer) else dumps(payload)
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=dict(payload)
    )


def failure(error: ToolInputError) -> CallToolResult:
    payload = {"error": error.as_json()}
    return CallToolResult(
        content=[TextContent(type="text", text=dumps(payload))],
        structured_content=payload,
        is_error=True,
    )


def read_time() -> str:
    """Now, as the ``as_of`` of an answer: ISO 8601 UTC to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


async def answer(body: Awaitable[dict[str, Any]]) -> CallToolResult:
    """Await a tool body; its payload stamped with ``as_of``, or the error to act on.

    ``as_of`` is taken before the body reads anything: nothing in the answer is older than the
    data as it stood then (a model can say "as of …" and compare it with ``data_sources``).
    """
    as_of = read_time()
    try:
        return success(stamped(await body, as_of))
    except ToolInputError as error:
        return failure(error)


def stamped(payload: dict[str, Any], as_of: str) -> dict[str, Any]:
    """``payload`` with ``as_of`` last; a page the budget serialized keeps its text, extended.

    Serializing a page again only to add one string was a second walk of every value (the
    float check) and a second ``dumps``. ``as_of`` goes last in either case, so the extended
    text is byte for byte what serializing the stamped payload would give.
    """
    if isinstance(payload, Answer) and payload and "as_of" not in payload:
        text = f"{payload.text[:-1]},{dumps('as_of')}:{dumps(as_of)}}}"
        return Answer.of({**payload, "as_of": as_of}, text)
    return {**payload, "as_of": as_of}


def page_size(limit: int | None) -> int:
    """A caller's ``limit``, checked against the 1…100 range."""
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise ToolInputError(
            f"limit must be between 1 and {MAX_LIMIT}, got {limit}", argument="limit"
        )
    return limit
