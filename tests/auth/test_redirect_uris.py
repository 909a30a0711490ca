"""Redirect URIs: what may be registered, and what happens when one does not match."""

from __future__ import annotations

import httpx
import pytest

from accountlens.auth.redirect_uris import redirect_uri_matches
from tests.auth.helpers import People, authorize_params, pkce, register, sign_in


@pytest.mark.parametrize(
    "uri",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "https://user:pass@evil.example/cb",
        "https://evil.example@good.example/cb",
        "http://evil.example/cb",
        "https://good.example/cb#fragment",
        "vbscript:msgbox",
        "JavaScript:alert(1)",
        " https://good.example/cb",
    ],
)
async def test_registration_refuses_a_dangerous_redirect_uri(
    client: httpx.AsyncClient, uri: str
) -> None:
    response = await client.post(
        "/oauth/register", json={"client_name": "x", "redirect_uris": [uri]}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_redirect_uri"


@pytest.mark.parametrize(
    "uri",
    [
        "https://claude.ai/api/mcp/auth_callback",
        "http://127.0.0.1:6274/cb",
        "http://[::1]/cb",
        "http://localhost:33418/callback",
        "cursor://anysphere.cursor-retrieval/oauth/callback",
    ],
)
async def test_registration_accepts_https_loopback_and_private_use_redirects(
    client: httpx.AsyncClient, uri: str
) -> None:
    response = await client.post(
        "/oauth/register", json={"client_name": "x", "redirect_uris": [uri]}
    )
    assert response.status_code == 201
    assert response.json()["token_endpoint_auth_method"] == "none"


async def test_a_redirect_uri_that_is_not_registered_gets_an_error_page_not_a_redirect(
    client: httpx.AsyncClient, people: People
) -> None:
    await sign_in(client, people.bob.email)
    client_id = await register(client)
    _, challenge = pkce()
    for other in (
        "https://evil.example/callback",
        "http://127.0.0.1:33418/callback/../evil",
        "http://127.0.0.1:33418/callbackx",
        "http://127.0.0.1:33418/callback?x=1",
    ):
        params = authorize_params(client_id, challenge, redirect_uri=other)
        response = await client.get("/oauth/authorize", params=params)
        assert response.status_code == 400
        assert "location" not in response.headers
        assert "not valid" in response.text


async def test_an_unknown_client_gets_an_error_page_not_a_redirect(
    client: httpx.AsyncClient, people: People
) -> None:
    await sign_in(client, people.bob.email)
    _, challenge = pkce()
    response = await client.get(
        "/oauth/authorize", params=authorize_params("no-such-client", challenge)
    )
    assert response.status_code == 400
    assert "location" not in response.headers


def test_a_loopback_redirect_matches_on_any_port_and_nothing_else_does() -> None:
    registered = ["http://127.0.0.1:1234/cb", "https://app.example/cb"]
    assert redirect_uri_matches("http://127.0.0.1:9999/cb", registered)
    assert redirect_uri_matches("http://127.0.0.1/cb", registered)
    assert not redirect_uri_matches("http://127.0.0.1:9999/other", registered)
    assert not redirect_uri_matches("http://localhost:1234/cb", registered)
    assert not redirect_uri_matches("https://app.example:444/cb", registered)
    assert not redirect_uri_matches("https://app.example/cb/", registered)


async def test_a_redirect_uri_with_even_an_empty_fragment_is_refused_at_registration_and_authorize(
    client: httpx.AsyncClient, people: People
) -> None:
    for uri in ("http://127.0.0.1:8080/cb#", "https://good.example/cb#"):
        refused = await client.post(
            "/oauth/register", json={"client_name": "x", "redirect_uris": [uri]}
        )
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_redirect_uri"

    await sign_in(client, people.bob.email)
    client_id = await register(client)
    _, challenge = pkce()
    for asked in ("http://127.0.0.1:33418/callback#", "http://127.0.0.1:9999/callback#"):
        params = authorize_params(client_id, challenge, redirect_uri=asked)
        response = await client.get("/oauth/authorize", params=params)
        assert response.status_code == 400
        assert "location" not in response.headers
        assert "not valid" in response.text
