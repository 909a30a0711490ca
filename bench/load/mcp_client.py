"""A minimal MCP client for load: one JSON-RPC POST per tool call, nothing else.

The server runs stateless Streamable HTTP with JSON answers, so a tool call needs no session
and no SSE parsing. Timed loops post through :class:`~bench.load.lean_http.LeanClient` (a
tenth of ``httpx``'s client CPU, which the measured systems would otherwise lose); setup steps
may pass an ``httpx.AsyncClient``, which has the same ``post``.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from bench.load.lean_http import LeanClient

PROTOCOL_VERSION = "2025-06-18"
_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class CallResult:
    """What the driver records about one call."""

    ok: bool
    status: int
    body_bytes: int
    structured: dict[str, Any] | None
    error: str | None = None


def headers_for(token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": PROTOCOL_VERSION,
    }


async def call_tool(
    http: httpx.AsyncClient | LeanClient, token: str, name: str, arguments: dict[str, Any]
) -> CallResult:
    """``tools/call`` over HTTP; ``ok`` only for a 200 answer that is not an error result."""
    payload = {
        "jsonrpc": "2.0",
        "id": next(_ids),
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }
    response = await http.post("/mcp", content=orjson.dumps(payload), headers=headers_for(token))
    body = response.content
    if response.status_code != 200:
        return CallResult(False, response.status_code, len(body), None, body[:200].decode())
    message = _parsed(body)
    if "error" in message:
        return CallResult(False, 200, len(body), None, json.dumps(message["error"])[:200])
    result = message["result"]
    structured = result.get("structuredContent")
    if result.get("isError"):
        return CallResult(False, 200, len(body), structured, json.dumps(structured)[:200])
    return CallResult(True, 200, len(body), structured)


def _parsed(body: bytes) -> Any:
    """The answer's JSON (orjson for speed; json for integers past 64 bits, which it refuses)."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


def answer_bytes(result: CallResult) -> int:
    """Bytes of the answer a model reads: the structured JSON, compact (= the text content)."""
    if result.structured is None:
        return 0
    return len(json.dumps(result.structured, separators=(",", ":")).encode())
