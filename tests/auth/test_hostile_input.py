"""NUL bytes, lone surrogates and deep nesting get a clear 400, never a 500, and are not logged."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from tests.auth.helpers import (
    REDIRECT_URI,
    People,
    authorize_params,
    csrf_of,
    pkce,
    register,
    sign_in,
)


async def test_a_nul_byte_in_any_parameter_of_the_oauth_endpoints_gets_400_and_is_not_logged(
    client: httpx.AsyncClient, people: People, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client_id = await register(client)
    _, challenge = pkce()
    tainted = "alice@acme.test\x00"
    # the authorization request, its consent decision, the token and revocation endpoints
    authorize = await client.get(
        "/oauth/authorize", params=authorize_params(tainted, challenge, state="s\x00")
    )
    assert authorize.status_code == 400
    assert authorize.headers["content-type"].startswith("text/html")
    await sign_in(client, people.bob.email)
    page = await client.get("/oauth/authorize", params=authorize_params(client_id, challenge))
    decision = await client.post(
        "/oauth/authorize",
        data={
            **authorize_params(tainted, challenge),
            "csrf_token": csrf_of(page.text),
            "decision": "approve",
        },
    )
    assert decision.status_code == 400
    assert "location" not in decision.headers
    for path in ("/oauth/token", "/oauth/revoke"):
        response = await client.post(
            path,
            data={
                "grant_type": "authorization_code",
                "client_id": tainted,
                "code": "c",
                "token": "t",
                "redirect_uri": REDIRECT_URI,
            },
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
    assert "alice@acme.test" not in caplog.text


@pytest.mark.parametrize("bad", ["Evil\x00Client", "Evil\ud800Client"], ids=["nul", "surrogate"])
async def test_registration_with_a_nul_byte_or_lone_surrogate_gets_400_invalid_client_metadata(
    client: httpx.AsyncClient, bad: str
) -> None:
    for body in (
        {"client_name": bad, "redirect_uris": [REDIRECT_URI]},
        {"client_name": "ok", "redirect_uris": [REDIRECT_URI], bad: "unknown field"},
    ):
        # json.dumps escapes the surrogate as \ud800, as a hostile client would send it
        response = await client.post(
            "/oauth/register",
            content=json.dumps(body),
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_client_metadata"


async def test_a_nul_byte_in_the_sign_in_form_gets_400_and_the_email_never_reaches_the_log(
    client: httpx.AsyncClient, people: People, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    page = await client.get("/sign-in")
    for email, password in ((people.alice.email + "\x00", "pw"), (people.alice.email, "p\x00w")):
        response = await client.post(
            "/sign-in",
            data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
        )
        assert response.status_code == 400
        assert "not valid" in response.text
    assert people.alice.email not in caplog.text


async def test_deeply_nested_json_at_registration_gets_400_not_a_recursion_error(
    client: httpx.AsyncClient,
) -> None:
    deep = "[" * 5000 + "]" * 5000  # 10 KB
    for body in (deep, '{"redirect_uris": ["' + REDIRECT_URI + '"], "x": ' + deep + "}"):
        response = await client.post(
            "/oauth/register", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_client_metadata"
