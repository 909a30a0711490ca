"""An authorization request that fails validation never sends the browser to the client."""

from __future__ import annotations

import httpx
import pytest

from tests.auth.helpers import People, authorize_params, pkce, register, sign_in


@pytest.mark.parametrize(
    "broken",
    [
        {"code_challenge": "", "code_challenge_method": ""},  # no PKCE
        {"code_challenge_method": "plain"},
        {"code_challenge_method": ""},
        # (no "bad scope": unknown scopes are ignored, RFC 6749 §3.3, see test_client_leniency)
        {"response_type": "token"},
        {"resource": "https://elsewhere.example/mcp"},
    ],
    ids=["no-pkce", "plain", "no-method", "bad-response-type", "bad-resource"],
)
@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
async def test_an_invalid_authorization_request_gets_an_error_page_never_a_redirect(
    client: httpx.AsyncClient, people: People, broken: dict[str, str], signed_in: bool
) -> None:
    # given a client anyone could have registered, with any redirect URI
    client_id = await register(client)
    if signed_in:
        await sign_in(client, people.bob.email)
    _, challenge = pkce()
    # when an authorization request for it fails validation
    params = authorize_params(client_id, challenge, **broken)
    response = await client.get("/oauth/authorize", params=params)
    # then the user sees our error page, and nothing sends the browser to that URI
    assert 400 <= response.status_code < 500
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert "not valid" in response.text
