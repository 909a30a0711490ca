"""The whole app (real ``/mcp`` included) served over HTTP for client interop tests, and the
steps a person and a client take through it, written as plain HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from accountlens.app import create_app
from accountlens.db.engine import Database
from tests.auth.helpers import csrf_of, pkce, query_of, settings_for
from tests.auth.live import free_port, serve


@asynccontextmanager
async def running_server(db: Database) -> AsyncIterator[str]:
    """``create_app`` under uvicorn with its lifespan (which runs the MCP session manager)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    app = create_app(settings_for(base_url), database=db)
    async with serve(app, port, lifespan="on"):
        yield base_url


@dataclass(frozen=True)
class Authorization:
    """What one client asks for at ``/oauth/authorize`` after registering."""

    redirect_uri: str
    scope: str | None


async def authorize_and_exchange(
    http: httpx.AsyncClient,
    client_id: str,
    ask: Authorization,
    *,
    email: str,
    password: str,
    resource: str,
) -> tuple[str, dict[str, Any]]:
    """Sign in, open the consent page, press Allow, exchange the code with PKCE S256.

    Returns the consent page's HTML and the token response. ``http`` keeps the cookies.
    """
    page = await http.get("/sign-in")
    signed_in = await http.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text), "next": "/"},
    )
    assert signed_in.status_code in (200, 303), signed_in.text
    verifier, challenge = pkce()
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": ask.redirect_uri,
        "state": "interop-state",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "resource": resource,
    }
    if ask.scope is not None:
        params["scope"] = ask.scope
    consent = await http.get("/oauth/authorize?" + urlencode(params))
    assert consent.status_code == 200, consent.text
    decision = await http.post(
        "/oauth/authorize",
        data=params | {"csrf_token": csrf_of(consent.text), "decision": "approve"},
    )
    assert decision.status_code == 303, decision.text
    location = decision.headers["location"]
    assert location.startswith(ask.redirect_uri.split("?")[0]), location
    answer = query_of(location)
    assert answer["state"] == "interop-state"
    token = await http.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": ask.redirect_uri,
            "client_id": client_id,
            "code_verifier": verifier,
            "resource": resource,
        },
    )
    assert token.status_code == 200, token.text
    return consent.text, dict(token.json())


async def call_tool(
    http: httpx.AsyncClient, token: str, name: str, arguments: dict[str, Any]
) -> dict[str, Any]:
    """One MCP ``tools/call`` (stateless Streamable HTTP, protocol 2025-11-25); its result."""
    response = await http.post(
        "/mcp",
        content=json.dumps(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "tools/call",
                "params": {"name": name, "arguments": arguments},
            }
        ),
        headers={
            "authorization": f"Bearer {token}",
            "accept": "application/json, text/event-stream",
            "content-type": "application/json",
            "mcp-protocol-version": "2025-11-25",
        },
    )
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert not result.get("isError"), result
    return dict(result)
