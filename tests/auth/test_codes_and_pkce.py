"""Attacks on the authorization code: PKCE, replay, expiry, another client."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from accountlens.db.engine import Database
from tests.auth.helpers import (
    People,
    approve,
    approved_code,
    assert_error_page,
    authorize_params,
    csrf_of,
    exchange,
    pkce,
    query_of,
    register,
    signed_in_with_client,
)


async def test_an_authorization_request_without_a_code_challenge_is_refused(
    client: httpx.AsyncClient, people: People
) -> None:
    client_id = await signed_in_with_client(client, people.bob.email)
    response = await client.get("/oauth/authorize", params=authorize_params(client_id, None))
    assert_error_page(response, "invalid_request")


async def test_an_authorization_request_with_the_plain_method_is_refused(
    client: httpx.AsyncClient, people: People
) -> None:
    client_id = await signed_in_with_client(client, people.bob.email)
    verifier, _ = pkce()
    params = authorize_params(
        client_id, None, code_challenge=verifier, code_challenge_method="plain"
    )
    response = await client.get("/oauth/authorize", params=params)
    assert_error_page(response, "invalid_request")


async def test_a_consent_post_that_drops_the_challenge_issues_no_code(
    client: httpx.AsyncClient, people: People
) -> None:
    client_id = await signed_in_with_client(client, people.bob.email)
    _, challenge = pkce()
    page = await client.get("/oauth/authorize", params=authorize_params(client_id, challenge))
    form = authorize_params(client_id, None) | {"csrf_token": csrf_of(page.text)}
    response = await client.post("/oauth/authorize", data=form | {"decision": "approve"})
    assert response.status_code == 400
    assert "location" not in response.headers


async def test_a_wrong_code_verifier_gets_invalid_grant(
    client: httpx.AsyncClient, people: People
) -> None:
    client_id, _, code = await approved_code(client, people.bob.email)
    other_verifier, _ = pkce()
    response = await exchange(client, client_id, code, other_verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_a_token_request_without_a_verifier_is_refused(
    client: httpx.AsyncClient, people: People
) -> None:
    client_id, _, code = await approved_code(client, people.bob.email)
    response = await exchange(client, client_id, code, None)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_a_replayed_code_fails_and_revokes_the_token_it_issued(
    client: httpx.AsyncClient, people: People
) -> None:
    # given a code exchanged once for a working token
    client_id, verifier, code = await approved_code(client, people.bob.email)
    first = await exchange(client, client_id, code, verifier)
    token = first.json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/mcp/", headers=bearer)).status_code == 200
    # when the code is used again
    second = await exchange(client, client_id, code, verifier)
    # then it fails and the first token stops working
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    refused = await client.get("/mcp/", headers=bearer)
    assert refused.status_code == 401
    assert (
        'error_description="the access token has been revoked"'
        in refused.headers["www-authenticate"]
    )


async def test_a_code_older_than_five_minutes_is_refused(
    client: httpx.AsyncClient, people: People, fresh_db: Database
) -> None:
    client_id, verifier, code = await approved_code(client, people.bob.email)
    async with fresh_db.engine.begin() as conn:
        expiry = await conn.scalar(
            text("SELECT expires_at - created_at FROM oauth_authorization_codes")
        )
        await conn.execute(
            text("UPDATE oauth_authorization_codes SET expires_at = now() - interval '1 second'")
        )
    assert expiry is not None
    assert expiry.total_seconds() <= 300
    response = await exchange(client, client_id, code, verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_a_code_presented_by_another_client_is_refused(
    client: httpx.AsyncClient, people: People
) -> None:
    client_id, verifier, code = await approved_code(client, people.bob.email)
    thief = await register(client, client_name="Thief")
    response = await exchange(client, thief, code, verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    # and the rightful client can still use it
    assert (await exchange(client, client_id, code, verifier)).status_code == 200


async def test_the_authorization_response_carries_state_and_the_issuer(
    client: httpx.AsyncClient, people: People
) -> None:
    client_id = await signed_in_with_client(client, people.bob.email)
    _, challenge = pkce()
    decision = await approve(client, authorize_params(client_id, challenge))
    answer = query_of(decision.headers["location"])
    assert answer["state"] == "state-123"
    assert answer["iss"] == "http://127.0.0.1:8000"


async def test_the_token_response_is_not_cacheable_and_is_long_lived(
    client: httpx.AsyncClient, people: People
) -> None:
    client_id, verifier, code = await approved_code(client, people.bob.email)
    response = await exchange(client, client_id, code, verifier)
    body = response.json()
    assert response.headers["cache-control"] == "no-store"
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 90 * 24 * 3600
    assert body["access_token"].startswith("alk_")
    assert "refresh_token" not in body
