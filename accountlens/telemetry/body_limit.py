"""A ceiling on request bodies, for every route.

Nothing AccountLens accepts is large: a GraphQL document, a JSON-RPC tool call, a form. A body
over :data:`MAX_BODY_BYTES` is refused with 413 before the app reads it (when its length is
declared) or as soon as the bytes read pass the ceiling (chunked uploads), so a client cannot
make a replica buffer megabytes per request.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accountlens.telemetry.json_errors import send_json_error

#: The same ceiling the MCP SDK applies to ``/mcp`` itself.
MAX_BODY_BYTES = 4 * 1024 * 1024


class BodySizeLimit:
    """ASGI middleware: 413 for request bodies over ``max_bytes``."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _drain(receive, more=True)
            await _too_large(send, self.max_bytes)
            return
        seen = 0
        refused = False
        started = False

        async def counted() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes and not refused:
                    refused = True
                    if not started:
                        await _drain(receive, more=message.get("more_body", False))
                        await _too_large(send, self.max_bytes)
                    return {"type": "http.disconnect"}  # the app stops reading
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if refused:
                return  # we answered 413 already; drop whatever the app sends
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted, guarded)


#: How much of a refused body is read and thrown away so that the client, still sending, can
#: read the 413; past this the connection is simply closed.
DRAIN_BYTES = 64 * 1024 * 1024


async def _drain(receive: Receive, *, more: bool) -> None:
    """Read and discard the rest of the body (bounded), holding none of it."""
    drained = 0
    while more and drained <= DRAIN_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
        more = message.get("more_body", False)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send, limit: int) -> None:
    description = f"request bodies are limited to {limit} bytes"
    await send_json_error(send, 413, "request_too_large", description)
