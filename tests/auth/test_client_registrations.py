"""Acceptance 3 of issue 11: the registrations that real MCP clients send go all the way through.

Each payload below is written by us from what the client's public source or its maintainers'
issue threads document (cited per client); field values are the client's, the shape is RFC 7591.
Each client registers, a person signs in and approves on the consent page, the client exchanges
the code with its PKCE S256 verifier and calls a tool with the token, against the real app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from accountlens.db.engine import Database
from tests.auth.helpers import PASSWORD, People
from tests.auth.real_server import Authorization, authorize_and_exchange, call_tool, running_server

DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass(frozen=True)
class RealClient:
    name: str
    source: str
    registration: dict[str, Any]
    authorization: Authorization


CLIENTS = [
    RealClient(
        # Hosted connector: redirects to Claude's own callback and has asked for its own
        # scope name at /authorize (issue #124: redirect_uri=https://claude.ai/api/mcp/auth_callback,
        # scope=claudeai).
        name="Claude.ai",
        source="https://github.com/anthropics/claude-ai-mcp/issues/124",
        registration={
            "client_name": "Claude",
            "redirect_uris": ["https://claude.ai/api/mcp/auth_callback"],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        },
        authorization=Authorization("https://claude.ai/api/mcp/auth_callback", "claudeai"),
    ),
    RealClient(
        # Registers client_name, redirect_uris, grant_types, response_types and
        # token_endpoint_auth_method, no scope; asks at /authorize for the resource's scope plus
        # offline_access (appstrate/appstrate#1267); its callback is http://localhost:<port>/callback
        # (anthropics/claude-code#10439).
        name="Claude Code",
        source="https://github.com/appstrate/appstrate/issues/1267",
        registration={
            "client_name": "Claude Code (accountlens)",
            "redirect_uris": ["http://localhost:51234/callback"],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        },
        authorization=Authorization("http://localhost:51234/callback", "read offline_access"),
    ),
    RealClient(
        # fetchDynamicRegistration in src/vs/base/common/oauth.ts: its grant list includes the
        # device-code grant, vscode.dev redirects plus loopback ones, application_type native.
        name="VS Code",
        source="https://github.com/microsoft/vscode/blob/main/src/vs/base/common/oauth.ts",
        registration={
            "client_name": "Visual Studio Code",
            "client_uri": "https://code.visualstudio.com",
            "grant_types": ["authorization_code", "refresh_token", DEVICE_CODE],
            "response_types": ["code"],
            "redirect_uris": [
                "https://insiders.vscode.dev/redirect",
                "https://vscode.dev/redirect",
                "http://127.0.0.1/",
                "http://127.0.0.1:33418/",
            ],
            "scope": "read",
            "token_endpoint_auth_method": "none",
            "application_type": "native",
        },
        authorization=Authorization("http://127.0.0.1:33418/", "read"),
    ),
    RealClient(
        # Three redirect URIs in one registration, the first a private-use scheme
        # (erp-mafia/accounted#2225; Cursor's docs name cursor://anysphere.cursor-mcp/oauth/callback,
        # makeplane/plane-mcp-server#159).
        name="Cursor",
        source="https://github.com/erp-mafia/accounted/pull/2225",
        registration={
            "client_name": "Cursor",
            "redirect_uris": [
                "cursor://anysphere.cursor-mcp/oauth/callback",
                "https://www.cursor.com/agents/mcp/oauth/callback",
                "http://localhost:8787/callback",
            ],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        },
        authorization=Authorization("cursor://anysphere.cursor-mcp/oauth/callback", "read"),
    ),
    RealClient(
        # InspectorOAuthClientProvider.clientMetadata in client/src/lib/auth.ts: both callbacks
        # on its own origin, the scopes it discovered (ours: read), a client_uri.
        name="MCP Inspector",
        source="https://github.com/modelcontextprotocol/inspector/blob/main/client/src/lib/auth.ts",
        registration={
            "redirect_uris": [
                "http://localhost:6274/oauth/callback",
                "http://localhost:6274/oauth/callback/debug",
            ],
            "token_endpoint_auth_method": "none",
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "client_name": "MCP Inspector",
            "client_uri": "https://github.com/modelcontextprotocol/inspector",
            "scope": "read",
        },
        authorization=Authorization("http://localhost:6274/oauth/callback", "read"),
    ),
]


@pytest.mark.parametrize("real", CLIENTS, ids=[c.name for c in CLIENTS])
async def test_each_real_clients_registration_completes_the_flow_and_calls_a_tool(
    fresh_db: Database, people: People, real: RealClient
) -> None:
    async with running_server(fresh_db) as base_url, httpx.AsyncClient(base_url=base_url) as http:
        # given the client's own registration request
        registered = await http.post("/oauth/register", json=real.registration)
        assert registered.status_code == 201, (real.source, registered.text)
        client = registered.json()
        assert client["grant_types"] == ["authorization_code"]
        assert client["token_endpoint_auth_method"] == "none"
        # when a person approves it and it exchanges the code
        consent, token = await authorize_and_exchange(
            http,
            client["client_id"],
            real.authorization,
            email=people.bob.email,
            password=PASSWORD,
            resource=f"{base_url}/mcp",
        )
        # then the consent page named it, the token grants read, and a tool answers as the person
        assert real.registration["client_name"] in consent
        assert token["scope"] == "read"
        result = await call_tool(http, token["access_token"], "whoami", {})
    assert result["structuredContent"]["user"]["email"] == people.bob.email
