"""A stateless tool call answered in the request's own task, without the SDK's per-POST transport.

For a handshake-era POST (no ``MCP-Protocol-Version`` header, or one of the handshake versions)
the SDK's stateless mode builds a whole connection per request: a ``StreamableHTTPServerTransport``
with four memory streams and a message-router task, a server task in the session manager's task
group, a ``JSONRPCDispatcher`` with its own task group that spawns the handler in a further task,
and a Starlette app around it all. Measured in process on medium data (docs/performance.md,
"The SDK's per-POST machinery"), that is about a fifth of a cheap call's CPU. The request needs
none of it: in JSON-response mode one request has exactly one answer, and the server can never
write anything else to it (the transport drops every notification tied to a request).

:class:`InlinePost` serves exactly the POSTs whose answer the SDK's own checks would leave to the
handler: one JSON-RPC request for ``tools/call`` or ``tools/list`` that passes the body limit,
Content-Type, Host/Origin (the session manager's own settings) and Accept checks. It runs them
through the SDK's :func:`~mcp.server.runner.serve_one`, the single-exchange driver of the
low-level server (the same ``ServerRunner`` the stateless loop builds, so the same handler table
and the same ``server.middleware`` chain: metrics, audit, argument checks see every call), maps a
failure to the JSON-RPC error the SDK's dispatcher writes, and answers with the bytes and headers
the SDK's transport sends. Everything else (``initialize``, notifications, batches, bodies that
do not parse, anything a check would refuse, 2026-07-28 requests, whose SDK path is already one
exchange in the request's task) goes to the SDK unchanged, body replayed: its refusals stay its
own, and this module never has to copy one. ``tests/mcp/test_inline_post.py`` sends the same
requests down both paths and compares status, headers and bodies byte for byte.

What differs, deliberately: the handler runs in the request's task rather than a spawned one
(a context variable it set would outlive it for the rest of this request only), and nothing
answers a request cancelled mid-call (the SDK's dispatcher writes "Connection closed" to a
response stream that, in that case, no client is reading any more).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import anyio
import pydantic_core
from mcp.server.connection import Connection
from mcp.server.lowlevel.server import Server
from mcp.server.runner import serve_one
from mcp.server.streamable_http import check_accept_headers
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.shared.dispatcher import CallOptions
from mcp.shared.exceptions import NoBackChannelError
from mcp.shared.jsonrpc_dispatcher import handler_exception_to_error_data
from mcp.shared.message import ServerMessageMetadata
from mcp.shared.transport_context import TransportContext
from mcp_types import (
    DEFAULT_NEGOTIATED_VERSION,
    ErrorData,
    JSONRPCError,
    JSONRPCRequest,
    JSONRPCResponse,
    RequestId,
    jsonrpc_message_adapter,
)
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

#: The methods answered here: what a client calls again and again. The rest are rare enough
#: that the SDK's full path costs nothing worth saving.
INLINE_METHODS: Final = frozenset({"tools/call", "tools/list"})

_VERSION_HEADER: Final = b"mcp-protocol-version"
_STATELESS_TRANSPORT: Final = TransportContext(kind="streamable-http", can_send_request=False)


@dataclass
class _OneAnswerDispatch:
    """The ``DispatchContext`` of a POST that can carry nothing but its answer.

    The SDK's stateless JSON path gives the handler a context whose back-channel is closed and
    whose notifications the transport drops (a JSON body holds only the response), so both are
    no-ops here too: logs and progress a tool reports go nowhere, as they did.
    """

    request_id: RequestId
    message_metadata: ServerMessageMetadata
    transport: TransportContext = _STATELESS_TRANSPORT
    cancel_requested: anyio.Event = field(default_factory=anyio.Event)

    @property
    def can_send_request(self) -> bool:
        return False

    async def send_raw_request(
        self, method: str, params: Mapping[str, Any] | None, opts: CallOptions | None = None
    ) -> dict[str, Any]:
        raise NoBackChannelError(method)

    async def notify(
        self, method: str, params: Mapping[str, Any] | None, opts: CallOptions | None = None
    ) -> None:
        return None

    async def progress(
        self, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        return None


class InlinePost:
    """ASGI app for ``/mcp``: tool calls and listings inline, everything else to ``sdk_app``."""

    def __init__(
        self, server: Server[Any], manager: StreamableHTTPSessionManager, sdk_app: ASGIApp
    ) -> None:
        if not manager.stateless or not manager.json_response:
            raise ValueError("InlinePost answers stateless JSON-response POSTs only")
        self.server = server
        self.manager = manager
        self.sdk_app = sdk_app
        security = manager.security_settings
        self.checks_host = security is not None and security.enable_dns_rebinding_protection
        # Exact values only: a ``:*`` pattern the SDK would accept is left to the SDK.
        self.hosts = frozenset(security.allowed_hosts if security else ())
        self.origins = frozenset(security.allowed_origins if security else ())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        version = self._handshake_version(scope)
        if version is None or not self._serving() or not self._passes_header_checks(scope):
            await self.sdk_app(scope, receive, send)
            return
        body, replay = await self._read_body(receive)
        request = self._inline_request(body) if body is not None else None
        if request is None:
            await self.sdk_app(scope, replay, send)
            return
        await self._answer(request, version, Request(scope, replay), send)

    def _handshake_version(self, scope: Scope) -> str | None:
        """The version a handshake-era POST runs at, or None for a request left to the SDK.

        The session manager routes on the header's first value: absent or a handshake version
        is its stateless transport (at the spec's default when absent), anything else its
        2026-07-28 entry.
        """
        if scope["type"] != "http" or scope["method"] != "POST":
            return None
        value = next((v for k, v in scope["headers"] if k == _VERSION_HEADER), None)
        if value is None:
            return DEFAULT_NEGOTIATED_VERSION
        version = value.decode("latin-1")
        return version if version in HANDSHAKE_PROTOCOL_VERSIONS else None

    def _serving(self) -> bool:
        """Whether the session manager runs (its lifespan state is set); if not, the SDK refuses."""
        return self.manager._task_group is not None  # mcp < 3 has no accessor

    def _passes_header_checks(self, scope: Scope) -> bool:
        """Whether the SDK's transport would let this POST reach its handler (header checks).

        The declared length within the body limit, Content-Type as both of the SDK's checks read
        it (its transport security wants a prefix, its transport the exact media type), Host and
        Origin against the manager's settings, and an Accept naming JSON. False leaves the
        answer, refusal or not, to the SDK.
        """
        request = Request(scope)
        headers = request.headers
        if self._declared_too_large(headers.get("content-length")):
            return False
        content_type = headers.get("content-type", "")
        if not content_type.lower().startswith("application/json"):
            return False
        media_types = (part.strip() for part in content_type.split(";")[0].split(","))
        if "application/json" not in media_types:
            return False
        if self.checks_host:
            if headers.get("host") not in self.hosts:
                return False
            origin = headers.get("origin")
            if origin and origin not in self.origins:
                return False
        has_json, _ = check_accept_headers(request)
        return has_json

    def _declared_too_large(self, declared: str | None) -> bool:
        """Whether the SDK's body limit refuses on the declared length alone (as it parses it)."""
        if declared is None:
            return False
        try:
            return int(declared) > self.manager.max_request_body_size
        except ValueError:
            return False

    async def _read_body(self, receive: Receive) -> tuple[bytes | None, Receive]:
        """The whole body (None if over the manager's limit or cut short) and a replaying receive.

        The replay hands the SDK exactly the messages read here, so a request left to it after
        its body was read is served as if nothing had looked at it.
        """
        limit = self.manager.max_request_body_size
        read: list[Message] = []
        size, complete = 0, False
        while size <= limit:
            message = await receive()
            read.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if not message.get("more_body", False):
                complete = True
                break

        async def replay() -> Message:
            return read.pop(0) if read else await receive()

        if not complete or size > limit:
            return None, replay
        body = b"".join(message.get("body", b"") for message in read)
        # The SDK reads the body as one message; a handler that reads it again gets the same.
        read[:] = [{"type": "http.request", "body": body, "more_body": False}]
        return body, replay

    def _inline_request(self, body: bytes) -> JSONRPCRequest | None:
        """The body as the SDK's transport parses it, if it is one request answered inline."""
        try:
            message = jsonrpc_message_adapter.validate_python(
                pydantic_core.from_json(body), by_name=False
            )
        except (ValueError, ValidationError):
            return None
        if isinstance(message, JSONRPCRequest) and message.method in INLINE_METHODS:
            return message
        return None

    async def _answer(
        self, message: JSONRPCRequest, version: str, request: Request, send: Send
    ) -> None:
        """Run the request through the low-level server and send what the SDK's transport sends.

        The exception-to-error mapping is the dispatcher's (``JSONRPCDispatcher._handle_request``):
        the shared ladder for ``MCPError`` and validation errors, and for anything else the
        exception's text with code 0, which the SDK keeps for compatibility on this era's wire.
        """
        dispatch = _OneAnswerDispatch(
            request_id=message.id,
            message_metadata=ServerMessageMetadata(request_context=request, can_send_request=False),
        )
        connection = Connection.from_envelope(version, None, None)
        answer: JSONRPCResponse | JSONRPCError
        try:
            result = await serve_one(
                self.server,
                dispatch,
                message.method,
                message.params,
                connection=connection,
                lifespan_state=self.manager._lifespan_state,  # mcp < 3: no accessor
            )
        except Exception as exc:
            error = handler_exception_to_error_data(exc)
            if error is None:
                logger.exception("handler for %r raised", message.method)
                error = ErrorData(code=0, message=str(exc))
            answer = JSONRPCError(jsonrpc="2.0", id=message.id, error=error)
        else:
            answer = JSONRPCResponse(jsonrpc="2.0", id=message.id, result=result)
        response = Response(
            answer.model_dump_json(by_alias=True, exclude_unset=True),
            status_code=200,
            headers={"Content-Type": "application/json"},
        )
        await response(request.scope, request.receive, send)
