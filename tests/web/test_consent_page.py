"""The consent page: what it says, CSRF, framing, and the decision."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from accountlens.db.engine import Database
from tests.auth.helpers import (
    People,
    authorize_params,
    client_for,
    csrf_of,
    pkce,
    query_of,
    register,
    sign_in,
)


async def test_authorize_sends_a_signed_out_user_to_sign_in_and_back(
    client: httpx.AsyncClient, people: People
) -> None:
    client_id = await register(client)
    _, challenge = pkce()
    url = "/oauth/authorize?" + urlencode(authorize_params(client_id, challenge))
    response = await client.get(url)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in?next=%2Foauth%2Fauthorize")
    page = await client.get(response.headers["location"])
    signed_in = await client.post(
        "/sign-in",
        data={
            "email": people.bob.email,
            "password": "correct horse battery staple",
            "csrf_token": csrf_of(page.text),
            "next": url,
        },
    )
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == url


async def test_the_consent_page_names_client_redirect_host_user_org_and_read_only(
    client: httpx.AsyncClient, people: People
) -> None:
    await sign_in(client, people.bob.email)
    client_id = await register(client)
    _, challenge = pkce()
    page = await client.get("/oauth/authorize", params=authorize_params(client_id, challenge))
    assert page.status_code == 200
    for expected in ("Test Client", "127.0.0.1:33418", "Bob", "bob@acme.test", "Acme Corp"):
        assert expected in page.text
    assert "Read-only" in page.text


async def test_the_consent_page_cannot_be_framed(client: httpx.AsyncClient, people: People) -> None:
    await sign_in(client, people.bob.email)
    client_id = await register(client)
    _, challenge = pkce()
    page = await client.get("/oauth/authorize", params=authorize_params(client_id, challenge))
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


async def test_a_consent_post_without_the_csrf_token_issues_no_code(
    client: httpx.AsyncClient, people: People, fresh_db: Database
) -> None:
    await sign_in(client, people.bob.email)
    client_id = await register(client)
    _, challenge = pkce()
    params = authorize_params(client_id, challenge)
    await client.get("/oauth/authorize", params=params)
    for token in ({}, {"csrf_token": "forged"}):
        response = await client.post(
            "/oauth/authorize", data=params | token | {"decision": "approve"}
        )
        assert response.status_code == 403
        assert "location" not in response.headers
    async with fresh_db.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM oauth_authorization_codes")) == 0


async def test_a_csrf_token_from_another_session_is_refused(
    client: httpx.AsyncClient, people: People, app: FastAPI
) -> None:

    await sign_in(client, people.bob.email)
    client_id = await register(client)
    _, challenge = pkce()
    params = authorize_params(client_id, challenge)
    async with client_for(app) as attacker:
        await sign_in(attacker, people.carol.email)
        page = await attacker.get("/oauth/authorize", params=params)
        stolen = csrf_of(page.text)
    response = await client.post(
        "/oauth/authorize", data=params | {"csrf_token": stolen, "decision": "approve"}
    )
    assert response.status_code == 403


async def test_denying_sends_access_denied_with_state_and_issuer(
    client: httpx.AsyncClient, people: People
) -> None:
    await sign_in(client, people.bob.email)
    client_id = await register(client)
    _, challenge = pkce()
    params = authorize_params(client_id, challenge)
    page = await client.get("/oauth/authorize", params=params)
    response = await client.post(
        "/oauth/authorize", data=params | {"csrf_token": csrf_of(page.text), "decision": "deny"}
    )
    answer = query_of(response.headers["location"])
    assert answer == {
        "error": "access_denied",
        "error_description": "the user declined",
        "state": "state-123",
        "iss": "http://127.0.0.1:8000",
    }
