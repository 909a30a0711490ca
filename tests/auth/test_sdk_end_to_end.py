"""Acceptance 1: the official MCP Python SDK client completes the whole flow against us.

Discovery (RFC 9728, RFC 8414), registration (RFC 7591, or a Client ID Metadata Document served
by the test over https), authorization with PKCE through our sign-in and consent pages (driven
over HTTP by the redirect and callback handlers), the token exchange, and a tool call that the
resource server accepts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import httpx2
from fastapi import FastAPI
from mcp.client.auth import OAuthClientProvider
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from accountlens.app import create_app
from accountlens.auth.install import configure_auth, token_verifier
from accountlens.auth.resource import BearerGuard
from accountlens.db.engine import Database
from tests.auth.helpers import PASSWORD, People, csrf_of, query_of, settings_for
from tests.auth.live import free_port, self_signed, serve

REDIRECT_URI = "http://127.0.0.1:33418/callback"


class MemoryStorage:
    """The SDK's TokenStorage, in memory."""

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


class Browser:
    """Plays the user: signs in and presses Allow, over plain HTTP."""

    def __init__(self, base_url: str, email: str) -> None:
        self.base_url = base_url
        self.email = email
        self.result: AuthorizationCodeResult | None = None
        self.consent_page = ""

    async def redirect_handler(self, authorization_url: str) -> None:
        async with httpx.AsyncClient(base_url=self.base_url) as http:
            page = await http.get("/sign-in")
            await http.post(
                "/sign-in",
                data={"email": self.email, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
            )
            consent = await http.get(authorization_url)
            assert consent.status_code == 200, consent.text
            self.consent_page = consent.text
            params = query_of(authorization_url)
            decision = await http.post(
                "/oauth/authorize",
                data=params | {"csrf_token": csrf_of(consent.text), "decision": "approve"},
            )
        answer = query_of(decision.headers["location"])
        self.result = AuthorizationCodeResult(
            code=answer["code"], state=answer.get("state"), iss=answer.get("iss")
        )

    async def callback_handler(self) -> AuthorizationCodeResult:
        assert self.result is not None
        return self.result


def mcp_server(app: FastAPI, base_url: str) -> MCPServer:
    server = MCPServer(
        "accountlens-probe",
        token_verifier=token_verifier(app),
        auth=AuthSettings(
            issuer_url=base_url,
            resource_server_url=f"{base_url}/mcp",
            required_scopes=["read"],
            validate_token_resource=True,
        ),
    )

    @server.tool()
    def whoami() -> str:
        """The subject of the calling token."""
        token = get_access_token()
        return token.subject if token and token.subject else "nobody"

    return server


@asynccontextmanager
async def running_app(db: Database, configure: Any = None) -> AsyncIterator[tuple[FastAPI, str]]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    app = create_app(settings_for(base_url), database=db)
    app.state.db = db
    if configure is not None:
        configure(app)
    server = mcp_server(app, base_url)
    transport = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"127.0.0.1:{port}"],
        allowed_origins=[base_url],
    )
    mcp_app = server.streamable_http_app(
        streamable_http_path="/mcp", stateless_http=True, transport_security=transport
    )
    app.mount("/", BearerGuard(mcp_app, token_verifier(app)))
    async with server.session_manager.run(), serve(app, port):
        yield app, base_url


async def call_whoami(base_url: str, provider: OAuthClientProvider) -> str:
    async with (
        httpx2.AsyncClient(auth=provider, timeout=30) as http,
        streamable_http_client(f"{base_url}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        result = await session.call_tool("whoami", {})
    assert not result.is_error, result
    text = result.content[0]
    return str(getattr(text, "text", ""))


async def test_the_sdk_client_registers_authorizes_with_pkce_and_calls_a_tool(
    fresh_db: Database, people: People
) -> None:
    async with running_app(fresh_db) as (_, base_url):
        browser = Browser(base_url, people.bob.email)
        storage = MemoryStorage()
        provider = OAuthClientProvider(
            server_url=f"{base_url}/mcp",
            client_metadata=OAuthClientMetadata(
                client_name="SDK end-to-end", redirect_uris=[REDIRECT_URI]
            ),
            storage=storage,
            redirect_handler=browser.redirect_handler,
            callback_handler=browser.callback_handler,
        )
        subject = await call_whoami(base_url, provider)
    assert subject == str(people.bob.user_id)
    assert storage.client is not None
    assert storage.client.token_endpoint_auth_method == "none"
    assert storage.tokens is not None
    assert storage.tokens.access_token.startswith("alk_")
    assert "SDK end-to-end" in browser.consent_page


async def test_the_sdk_client_connects_with_a_client_id_metadata_document(
    fresh_db: Database, people: People, tmp_path: Path
) -> None:
    # given a metadata document served over https by the "client"
    certfile, keyfile, trust = self_signed(tmp_path)
    doc_port = free_port()
    document_url = f"https://127.0.0.1:{doc_port}/oauth/client.json"
    document = {
        "client_id": document_url,
        "client_name": "Metadata Document Client",
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    }
    fetches = []

    async def serve_document(request: Any) -> JSONResponse:
        fetches.append(request.url.path)
        return JSONResponse(document)

    doc_app = Starlette(routes=[Route("/oauth/client.json", serve_document)])

    def allow_test_documents(app: FastAPI) -> None:
        options = app.state.auth_service.options
        configure_auth(
            app,
            replace(options, allow_private_client_metadata_hosts=True, client_metadata_tls=trust),
        )

    async with (
        serve(doc_app, doc_port, certfile=certfile, keyfile=keyfile),
        running_app(fresh_db, allow_test_documents) as (_, base_url),
    ):
        browser = Browser(base_url, people.alice.email)
        storage = MemoryStorage()
        provider = OAuthClientProvider(
            server_url=f"{base_url}/mcp",
            client_metadata=OAuthClientMetadata(
                client_name="Metadata Document Client", redirect_uris=[REDIRECT_URI]
            ),
            storage=storage,
            redirect_handler=browser.redirect_handler,
            callback_handler=browser.callback_handler,
            client_metadata_url=document_url,
        )
        subject = await call_whoami(base_url, provider)
    # then no registration happened: the URL is the client id, and the document named it
    assert subject == str(people.alice.user_id)
    assert storage.client is not None
    assert storage.client.client_id == document_url
    assert "Metadata Document Client" in browser.consent_page
    assert fetches == ["/oauth/client.json"]  # fetched once, then cached
