"""A real AccountLens server over HTTP, and demo users who connect to it as Claude would.

The server is the whole app (``create_app``) under uvicorn with its lifespan, so ``/mcp`` is
mounted exactly as in production. A :class:`Persona` completes the MCP OAuth flow once with the
SDK's ``OAuthClientProvider`` (discovery, registration, sign-in and consent over HTTP, PKCE,
token exchange) and then opens SDK clients in either protocol mode with the tokens it holds.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import httpx2
from mcp.client.auth import OAuthClientProvider
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from mcp_types import CallToolResult, TextContent
from starlette.types import ASGIApp

from tests.auth.helpers import csrf_of, query_of
from tests.auth.live import serve
from tests.web.forms import Form, form_fields

REDIRECT_URI = "http://127.0.0.1:33419/callback"
PASSWORDS = {"admin": "demo-admin-pass", "member": "demo-member-pass"}
MODES = ("legacy", "auto")


def serve_with_lifespan(app: ASGIApp, port: int) -> AbstractAsyncContextManager[None]:
    """uvicorn on 127.0.0.1 in this event loop, lifespan on (it runs the MCP session manager)."""
    return serve(app, port, lifespan="on")


class MemoryStorage:
    """The SDK's ``TokenStorage``, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


@dataclass
class Browser:
    """Plays the person at the keyboard: signs in and presses Allow on the consent page."""

    base_url: str
    email: str
    password: str
    result: AuthorizationCodeResult | None = None
    consent: Callable[[Form], None] | None = None
    """With it: submit the consent form as a browser without JavaScript would, after
    ``consent`` changed what the person changes (unticked types, another expiry)."""

    async def redirect_handler(self, authorization_url: str) -> None:
        async with httpx.AsyncClient(base_url=self.base_url) as http:
            page = await http.get("/sign-in")
            signed_in = await http.post(
                "/sign-in",
                data={
                    "email": self.email,
                    "password": self.password,
                    "csrf_token": csrf_of(page.text),
                },
            )
            assert signed_in.status_code in (200, 303), signed_in.text
            consent = await http.get(authorization_url)
            assert consent.status_code == 200, consent.text
            if self.consent is not None:
                form = form_fields(consent.text, "/oauth/authorize")
                self.consent(form)
                decision = await http.post(
                    "/oauth/authorize",
                    content=urlencode(form.submission(("decision", "approve"))),
                    headers={"content-type": "application/x-www-form-urlencoded"},
                )
            else:
                decision = await http.post(
                    "/oauth/authorize",
                    data=query_of(authorization_url)
                    | {"csrf_token": csrf_of(consent.text), "decision": "approve"},
                )
            assert decision.status_code == 303, decision.text
        answer = query_of(decision.headers["location"])
        self.result = AuthorizationCodeResult(
            code=answer["code"], state=answer.get("state"), iss=answer.get("iss")
        )

    async def callback_handler(self) -> AuthorizationCodeResult:
        assert self.result is not None
        return self.result


@dataclass
class Persona:
    """A demo user with an authorized connection to the server."""

    base_url: str
    email: str
    role: str
    storage: MemoryStorage = field(default_factory=MemoryStorage)
    consent: Callable[[Form], None] | None = None
    client_name: str = ""

    def provider(self) -> OAuthClientProvider:
        browser = Browser(self.base_url, self.email, PASSWORDS[self.role], consent=self.consent)
        return OAuthClientProvider(
            server_url=f"{self.base_url}/mcp",
            client_metadata=OAuthClientMetadata(
                client_name=self.client_name or f"MCP tests ({self.email})",
                redirect_uris=[REDIRECT_URI],
            ),
            storage=self.storage,
            redirect_handler=browser.redirect_handler,
            callback_handler=browser.callback_handler,
        )

    @property
    def token(self) -> str:
        assert self.storage.tokens is not None, "connect first"
        return self.storage.tokens.access_token

    @asynccontextmanager
    async def client(self, mode: str = "auto") -> AsyncIterator[Client]:
        """An SDK client over Streamable HTTP, authenticated by the OAuth provider."""
        async with httpx2.AsyncClient(auth=self.provider(), timeout=60) as http:
            transport = streamable_http_client(f"{self.base_url}/mcp", http_client=http)
            async with Client(transport, mode=mode, cache=None) as client:
                yield client

    async def connect(self) -> Persona:
        """Run the OAuth flow (the first request is refused, the provider signs in)."""
        async with self.client("legacy") as client:
            await client.list_tools()
        return self


def payload_of(result: CallToolResult) -> dict[str, Any]:
    """The answer's JSON, checked to be the same in structured content and in the text."""
    (content,) = result.content
    assert isinstance(content, TextContent)
    parsed = json.loads(content.text)
    assert parsed == result.structured_content
    assert isinstance(parsed, dict)
    return parsed


def size_of(result: CallToolResult) -> tuple[int, int]:
    """(bytes, tokens at 4 bytes each) of the answer's text."""
    (content,) = result.content
    assert isinstance(content, TextContent)
    size = len(content.text.encode())
    return size, -(-size // 4)


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Call a tool that must succeed; its JSON."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, (tool, arguments, result.content)
    return payload_of(result)


async def call_error(client: Client, tool: str, arguments: dict[str, Any]) -> str:
    """Call a tool that must refuse the arguments; the text the model reads."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error, (tool, arguments, result)
    (content,) = result.content
    assert isinstance(content, TextContent)
    return content.text


async def post_mcp(
    base_url: str,
    token: str | None,
    body: bytes | dict[str, Any],
    *,
    version: str = "2025-11-25",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """One raw JSON-RPC POST to ``/mcp`` (for what the SDK client would not send)."""
    sent = {
        "accept": "application/json, text/event-stream",
        "content-type": "application/json",
        "mcp-protocol-version": version,
    }
    if token is not None:
        sent["authorization"] = f"Bearer {token}"
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        return await http.post("/mcp", content=content, headers=sent | (headers or {}))


def tool_call(name: str, arguments: dict[str, Any], request_id: int = 1) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }
