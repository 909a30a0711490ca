"""CORS for browser-based MCP clients: the public OAuth endpoints for any origin, ``/mcp`` for the
configured origins only, the Origin check on ``/mcp`` kept, nothing else cross-origin."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from accountlens.app import create_app
from tests.auth.helpers import settings_for
from tests.auth.live import free_port
from tests.mcp.conftest import Live
from tests.mcp.live import Persona, post_mcp, serve_with_lifespan, tool_call
from tests.schema.demo import DEMO_USERS

BROWSER_APP = "https://inspector.example"
STRANGER = "https://evil.example"


def preflight(origin: str, method: str = "POST") -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": method,
        "access-control-request-headers": "authorization, content-type, mcp-protocol-version",
    }


@pytest_asyncio.fixture(loop_scope="session")
async def browser_ready(live: Live) -> AsyncIterator[tuple[str, Persona]]:
    """A server whose operator allowed one browser origin, and a connection to it."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = settings_for(base_url).model_copy(update={"cors_origins": [BROWSER_APP]})
    async with serve_with_lifespan(create_app(settings, database=live.db), port):
        persona = await Persona(base_url, DEMO_USERS["restricted admin"], "admin").connect()
        yield base_url, persona


async def test_public_oauth_endpoints_answer_preflights_and_requests_from_any_origin(
    live: Live,
) -> None:
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        preflights = [
            await http.options(path, headers=preflight(STRANGER))
            for path in (
                "/.well-known/oauth-protected-resource/mcp",
                "/.well-known/oauth-authorization-server",
                "/oauth/register",
                "/oauth/token",
            )
        ]
        metadata = await http.get(
            "/.well-known/oauth-authorization-server", headers={"origin": STRANGER}
        )
        registered = await http.post(
            "/oauth/register",
            json={"client_name": "Browser client", "redirect_uris": [f"{BROWSER_APP}/cb"]},
            headers={"origin": STRANGER},
        )
    for answer in preflights:
        assert answer.status_code == 204
        assert answer.headers["access-control-allow-origin"] == "*"
        assert "POST" in answer.headers["access-control-allow-methods"]
        assert "mcp-protocol-version" in answer.headers["access-control-allow-headers"]
        assert "access-control-allow-credentials" not in answer.headers
    for answer in (metadata, registered):
        assert answer.status_code in (200, 201)
        assert answer.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in answer.headers


async def test_mcp_serves_cors_to_a_configured_origin_and_exposes_the_challenge(
    browser_ready: tuple[str, Persona],
) -> None:
    base_url, persona = browser_ready
    async with httpx.AsyncClient(base_url=base_url) as http:
        allowed = await http.options("/mcp", headers=preflight(BROWSER_APP))
    challenged = await post_mcp(
        base_url, None, tool_call("whoami", {}), headers={"origin": BROWSER_APP}
    )
    answered = await post_mcp(
        base_url, persona.token, tool_call("whoami", {}), headers={"origin": BROWSER_APP}
    )
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == BROWSER_APP
    assert "authorization" in allowed.headers["access-control-allow-headers"]
    assert challenged.status_code == 401
    assert challenged.headers["access-control-allow-origin"] == BROWSER_APP
    assert "WWW-Authenticate" in challenged.headers["access-control-expose-headers"]
    assert answered.status_code == 200
    assert answered.headers["access-control-allow-origin"] == BROWSER_APP
    assert "Mcp-Protocol-Version" in answered.headers["access-control-expose-headers"]
    assert "Origin" in answered.headers["vary"]


async def test_mcp_keeps_refusing_other_origins_and_graphql_stays_same_origin(
    browser_ready: tuple[str, Persona],
) -> None:
    base_url, persona = browser_ready
    async with httpx.AsyncClient(base_url=base_url) as http:
        stranger_preflight = await http.options("/mcp", headers=preflight(STRANGER))
        graphql_preflight = await http.options("/graphql", headers=preflight(BROWSER_APP))
    stranger_call = await post_mcp(
        base_url, persona.token, tool_call("whoami", {}), headers={"origin": STRANGER}
    )
    assert stranger_preflight.status_code == 401
    assert "access-control-allow-origin" not in stranger_preflight.headers
    assert stranger_call.status_code == 403  # the transport's DNS-rebinding check
    assert "access-control-allow-origin" not in stranger_call.headers
    assert "access-control-allow-origin" not in graphql_preflight.headers
