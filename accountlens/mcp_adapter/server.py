"""The MCP server at ``/mcp``: the SDK's ``MCPServer``, stateless Streamable HTTP, JSON answers.

The app hands in what the adapter may not import itself (a :class:`McpBackend`: the Strawberry
schema and a context factory, the audit log). :func:`install_mcp` builds the server and its ASGI
app; :func:`running_mcp` (entered by the app's lifespan) adds the ``/mcp`` route and runs the
SDK's session manager for as long as the app serves.

A request reaches this app only after the app's middleware stack (``accountlens.app``) has
checked its bearer token, once, and counted it against its connection's rate limit; the
principal is on ``request.state.principal`` and the verified token on ``scope["user"]``. Here
it passes, in order: :class:`PostOnly` (405 for anything but POST, so only an authenticated
caller ever sees a 405), the SDK's auth context (which only publishes ``scope["user"]`` to the
SDK's handlers), :class:`~accountlens.mcp_adapter.inline_post.InlinePost` (a ``tools/call`` or
``tools/list`` the SDK's checks would pass is answered in the request's task, through the same
low-level server and middleware, without the SDK's per-POST transport), the SDK's transport
security (Host/Origin allow-lists from the public URL and the configured CORS origins), and the
tools. The SDK runs no token verifier of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry import Schema

from accountlens import __version__
from accountlens.config import Settings
from accountlens.mcp_adapter.arguments import UnknownArguments, Validator
from accountlens.mcp_adapter.audit import AuditLog, AuditMiddleware
from accountlens.mcp_adapter.compile import Compiler
from accountlens.mcp_adapter.execute import ContextFactory, Executor
from accountlens.mcp_adapter.inline_post import InlinePost
from accountlens.mcp_adapter.runtime import Runtime
from accountlens.mcp_adapter.tools import register_tools
from accountlens.mcp_adapter.tools.descriptions import INSTRUCTIONS
from accountlens.telemetry.json_errors import send_json_error
from accountlens.telemetry.tool_calls import ToolCallMetrics

MCP_PATH = "/mcp"

#: AccountLens offers tools only: it has no prompt or resource a person would pick (the tools
#: answer every question, SPEC §5). ``MCPServer`` registers handlers for both regardless, so it
#: advertised both capabilities with empty lists, and a ``prompts/get`` for any name was an
#: internal error (-32603, or code 0 before 2026-07-28) with an ERROR traceback in our log.
#: Without the handlers neither capability is advertised, and such requests get JSON-RPC's
#: "method not found" (-32601), the answer for a capability a server does not offer.
UNOFFERED_METHODS = (
    "prompts/list",
    "prompts/get",
    "resources/list",
    "resources/templates/list",
    "resources/read",
    "resources/subscribe",
    "resources/unsubscribe",
)


@dataclass(frozen=True)
class McpBackend:
    """What the app provides: data access and the audit log."""

    schema: Schema
    context_for: ContextFactory
    audit: AuditLog | None = None


def transport_security(
    public_url: str, cors_origins: Sequence[str] = ()
) -> TransportSecuritySettings:
    """DNS-rebinding protection: only the public host (with and without its port) and origin.

    Origins an operator allowed for CORS (browser-based clients) pass too, and no others.
    """
    url = urlsplit(public_url)
    host = url.hostname or ""
    shown = f"[{host}]" if ":" in host else host
    hosts = [url.netloc, shown]
    if url.port is None:
        hosts.append(f"{shown}:{443 if url.scheme == 'https' else 80}")
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=list(dict.fromkeys(hosts)),
        allowed_origins=list(dict.fromkeys([f"{url.scheme}://{url.netloc}", *cors_origins])),
    )


def build_server(settings: Settings, backend: McpBackend) -> MCPServer[Any]:
    """The ``MCPServer`` with its twelve tools and instructions.

    No ``token_verifier`` and no ``auth`` settings: the app's middleware stack has verified the
    token before the SDK sees the request, and it serves the OAuth metadata itself.
    """
    public_url = settings.public_url.rstrip("/")
    server: MCPServer[Any] = MCPServer(
        "AccountLens",
        title="AccountLens",
        instructions=INSTRUCTIONS,
        version=__version__,
        website_url=public_url,
    )
    executor = Executor(backend.schema, backend.context_for)
    runtime = Runtime(
        executor=executor,
        compiler=Compiler(executor.graphql_schema),
        base_url=public_url,
        token_budget=settings.token_budget,
    )
    known = register_tools(server, runtime)
    _offer_tools_only(server)
    server.middleware.append(ToolCallMetrics(known))  # telemetry: counts every tools/call
    # Outermost first: the audit log also sees calls refused for their argument names.
    if backend.audit is not None:
        server.middleware.append(AuditMiddleware(backend.audit))
    server.middleware.append(UnknownArguments(known, _validators(server, known)))
    return server


def _offer_tools_only(server: MCPServer[Any]) -> None:
    """Drop the SDK's prompt and resource handlers (see :data:`UNOFFERED_METHODS`).

    The low-level server derives its advertised capabilities from its handler table and offers
    no public way to remove an entry (mcp is pinned below 3; a test checks the capabilities).
    """
    handlers = server._lowlevel_server._request_handlers
    for method in UNOFFERED_METHODS:
        handlers.pop(method, None)


def _validators(server: MCPServer[Any], known: Mapping[str, object]) -> dict[str, Validator]:
    """Each tool's own argument validator, so wrong types are refused in our error format.

    ``_tool_manager`` is the SDK's registry; the SDK offers no public accessor for a tool's
    metadata (mcp is pinned below 3).
    """
    validators: dict[str, Validator] = {}
    for name in known:
        tool = server._tool_manager.get_tool(name)
        if tool is not None:
            validators[name] = tool.fn_metadata.validate_arguments
    return validators


@dataclass
class InstalledMcp:
    """The server, the ASGI app that ``/mcp`` routes to, and the audit log."""

    server: MCPServer[Any]
    endpoint: ASGIApp
    audit: AuditLog | None = None


class PostOnly:
    """``/mcp`` takes POSTs only: in stateless mode there is no stream to GET nor session to DELETE.

    Reached only by authenticated requests (the app's stack challenges the others first), so a
    client without a token always learns it needs OAuth, never just "method not allowed".

    The SDK would answer a GET with an event stream that never sends and never closes, holding a
    connection and a task per request; the transport specification lets a server say 405.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] != "POST":
            allow = [(b"allow", b"POST")]
            await send_json_error(send, 405, "method_not_allowed", "use POST", allow)
            return
        await self.app(scope, receive, send)


def install_mcp(app: Starlette, settings: Settings, backend: McpBackend) -> InstalledMcp:
    """Build the server for ``app``; :func:`running_mcp` serves it from the app's lifespan."""
    server = build_server(settings, backend)
    inner = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        json_response=True,
        stateless_http=True,
        transport_security=transport_security(settings.public_url, settings.cors_origins),
        host=settings.host,
    )
    # Tool calls and listings skip the SDK's per-POST transport (inline_post.py says why).
    endpoint = InlinePost(server._lowlevel_server, server.session_manager, inner)
    installed = InstalledMcp(server, PostOnly(AuthContextMiddleware(endpoint)), backend.audit)
    app.state.mcp = installed
    return installed


@asynccontextmanager
async def running_mcp(app: Starlette) -> AsyncIterator[None]:
    """Route ``/mcp``, run the session manager and the audit log's writer while the app serves.

    The route is added here because it is only usable while the session manager runs, and
    first: no other route has its path, and a tool call then matches at once instead of after
    every OAuth, web and GraphQL route (about 60 path matches, a few percent of a cheap call's
    CPU). The audit log is left last, so calls that finish while the session manager shuts
    down are written too.
    """
    installed: InstalledMcp | None = getattr(app.state, "mcp", None)
    if installed is None:
        yield
        return
    route = Route(MCP_PATH, endpoint=installed.endpoint)
    app.router.routes.insert(0, route)
    audit = installed.audit.running() if installed.audit is not None else nullcontext()
    try:
        async with audit, installed.server.session_manager.run():
            yield
    finally:
        app.router.routes.remove(route)
