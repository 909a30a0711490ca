"""What real clients send beyond what we offer: extra grant types and scopes are dropped, not
refused (RFC 7591 §3.2.1, RFC 6749 §3.3), and every answer says what was actually granted."""

from __future__ import annotations

import httpx
import pytest

from tests.auth.helpers import (
    REDIRECT_URI,
    People,
    approve,
    authorize_params,
    exchange,
    pkce,
    query_of,
    register,
    sign_in,
)

DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"


async def test_a_registration_asking_for_the_device_code_grant_is_accepted_with_the_code_grant(
    client: httpx.AsyncClient,
) -> None:
    # given VS Code's list of grants, which includes the device-code grant we do not offer
    body = {
        "client_name": "Visual Studio Code",
        "redirect_uris": [REDIRECT_URI],
        "grant_types": ["authorization_code", "refresh_token", DEVICE_CODE],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
        "scope": "read offline_access",
    }
    # when it registers
    response = await client.post("/oauth/register", json=body)
    # then it is registered, and the answer names only what it got
    assert response.status_code == 201, response.text
    registered = response.json()
    assert registered["grant_types"] == ["authorization_code"]
    assert registered["scope"] == "read"
    assert registered["token_endpoint_auth_method"] == "none"


async def test_a_registration_that_cannot_use_the_code_grant_is_still_refused(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/oauth/register",
        json={"redirect_uris": [REDIRECT_URI], "grant_types": ["client_credentials"]},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"


@pytest.mark.parametrize(
    "scope",
    [
        "read offline_access",
        "offline_access openid profile",
        " read",
        "read  offline_access ",
        "claudeai",
        "",  # no scope parameter at all
    ],
)
async def test_unknown_scopes_are_ignored_and_the_token_grants_read(
    client: httpx.AsyncClient, people: People, scope: str
) -> None:
    # given a signed-in user and a client asking for scopes we do not know, or none
    await sign_in(client, people.bob.email)
    client_id = await register(client)
    verifier, challenge = pkce()
    params = authorize_params(client_id, challenge, scope=scope)
    assert ("scope" in params) == bool(scope)
    # when the user approves and the client exchanges the code
    decision = await approve(client, params)
    assert decision.status_code == 303, decision.text
    answer = query_of(decision.headers["location"])
    assert "error" not in answer
    token = await exchange(client, client_id, answer["code"], verifier)
    # then the token is issued for what we grant, and says so
    assert token.status_code == 200, token.text
    assert token.json()["scope"] == "read"
