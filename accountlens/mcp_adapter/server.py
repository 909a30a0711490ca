"""The MCP server at ``/mcp``: the SDK's ``MCPServer``, stateless Streamable HTTP, JSON answers.

The app hands in what the adapter may not import itself (a :class:`McpBackend`: the Strawberry
schema and a context factory, the bearer/rate-limit gate, the audit log). :func:`install_mcp`
builds the server and its ASGI app; :func:`running_mcp` (entered by the app's lifespan) adds the
``/mcp`` route and runs the SDK's session manager for as long as the app serves.

Requests pass, in order: the gate (token check on every request, so a revocation bites at once;
then the per-connection rate limit), :class:`TokenRelay` (hands the verified token to the SDK's
own auth middleware, which checks scope and audience without a second database lookup), the
SDK's transport security (Host/Origin allow-lists from the public URL), and the tools.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import AnyHttpUrl
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
from accountlens.mcp_adapter.runtime import Runtime
from accountlens.mcp_adapter.tools import register_tools
from accountlens.mcp_adapter.tools.descriptions import INSTRUCTIONS
from accountlens.telemetry.tool_calls import ToolCallMetrics

MCP_PATH = "/mcp"
READ_SCOPE = "read"

_verified: ContextVar[AccessToken | None] = ContextVar("accountlens_mcp_token", default=None)


@dataclass(frozen=True)
class McpBackend:
    """What the app provides: data access, the gate in front of ``/mcp``, the audit log."""

    schema: Schema
    context_for: ContextFactory
    gate: Callable[[ASGIApp], ASGIApp]
    audit: AuditLog | None = None


class RelayedTokenVerifier:
    """The SDK's ``TokenVerifier``, answering from the check the gate already made.

    The gate verified the token against the database moments earlier in this same request;
    the SDK's middleware only needs the result (scopes, audience, expiry) to enforce its rules.
    """

    async def verify_token(self, token: str) -> AccessToken | None:
        access = _verified.get()
        return access if access is not None and access.token == token else None


class TokenRelay:
    """ASGI: copy the gate's verified token into the context for :class:`RelayedTokenVerifier`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        user = scope.get("user")
        access = user.access_token if isinstance(user, AuthenticatedUser) else None
        marker = _verified.set(access)
        try:
            await self.app(scope, receive, send)
        finally:
            _verified.reset(marker)


def transport_security(public_url: str) -> TransportSecuritySettings:
    """DNS-rebinding protection: only the public host (with and without its port) and origin."""
    url = urlsplit(public_url)
    host = url.hostname or ""
    shown = f"[{host}]" if ":" in host else host
    hosts = [url.netloc, shown]
    if url.port is None:
        hosts.append(f"{shown}:{443 if url.scheme == 'https' else 80}")
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=list(dict.fromkeys(hosts)),
        allowed_origins=[f"{url.scheme}://{url.netloc}"],
    )


def build_server(settings: Settings, backend: McpBackend) -> MCPServer[Any]:
    """The ``MCPServer`` with its twelve tools, instructions and auth settings."""
    public_url = settings.public_url.rstrip("/")
    server: MCPServer[Any] = MCPServer(
        "AccountLens",
        title="AccountLens",
        instructions=INSTRUCTIONS,
        version=__version__,
        website_url=public_url,
        token_verifier=RelayedTokenVerifier(),
        auth=AuthSettings(
            issuer_url=AnyHttpUrl(public_url),
            resource_server_url=AnyHttpUrl(f"{public_url}{MCP_PATH}"),
            required_scopes=[READ_SCOPE],
            validate_token_resource=True,
        ),
    )
    executor = Executor(backend.schema, backend.context_for)
    runtime = Runtime(
        executor=executor,
        compiler=Compiler(executor.graphql_schema),
        base_url=public_url,
        token_budget=settings.token_budget,
    )
    known = register_tools(server, runtime)
    server.middleware.append(ToolCallMetrics(known))  # telemetry: counts every tools/call
    # Outermost first: the audit log also sees calls refused for their argument names.
    if backend.audit is not None:
        server.middleware.append(AuditMiddleware(backend.audit))
    server.middleware.append(UnknownArguments(known, _validators(server, known)))
    return server


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
    """The server, the guarded ASGI app that ``/mcp`` routes to, and the audit log."""

    server: MCPServer[Any]
    endpoint: ASGIApp
    audit: AuditLog | None = None


class PostOnly:
    """``/mcp`` takes POSTs only: in stateless mode there is no stream to GET nor session to DELETE.

    The SDK would answer a GET with an event stream that never sends and never closes, holding a
    connection and a task per request; the transport specification lets a server say 405.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] != "POST":
            body = b'{"error": "method_not_allowed", "error_description": "use POST"}'
            await send(
                {
                    "type": "http.response.start",
                    "status": 405,
                    "headers": [
                        (b"allow", b"POST"),
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def install_mcp(app: Starlette, settings: Settings, backend: McpBackend) -> InstalledMcp:
    """Build the server for ``app``; :func:`running_mcp` serves it from the app's lifespan."""
    server = build_server(settings, backend)
    inner = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        json_response=True,
        stateless_http=True,
        transport_security=transport_security(settings.public_url),
        host=settings.host,
    )
    installed = InstalledMcp(server, PostOnly(backend.gate(TokenRelay(inner))), backend.audit)
    app.state.mcp = installed
    return installed


@asynccontextmanager
async def running_mcp(app: Starlette) -> AsyncIterator[None]:
    """Route ``/mcp``, run the session manager and the audit log's writer while the app serves.

    The route is added here, after every other route, because it is only usable while the
    session manager runs. The audit log is left last, so calls that finish while the session
    manager shuts down are written too.
    """
    installed: InstalledMcp | None = getattr(app.state, "mcp", None)
    if installed is None:
        yield
        return
    route = Route(MCP_PATH, endpoint=installed.endpoint)
    app.router.routes.append(route)
    audit = installed.audit.running() if installed.audit is not None else nullcontext()
    try:
        async with audit, installed.server.session_manager.run():
            yield
    finally:
        app.router.routes.remove(route)
