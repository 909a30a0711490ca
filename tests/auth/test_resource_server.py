"""The resource server's token checks: audience, expiry, revocation, where the token travels."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from accountlens.db.engine import Database
from tests.auth.helpers import (
    People,
    approved_code,
    assert_error_page,
    authorize_params,
    connect,
    exchange,
    pkce,
    register,
    signed_in_with_client,
)


def described(response: httpx.Response) -> str:
    return response.headers["www-authenticate"]


async def refusal_of(client: httpx.AsyncClient, token: str) -> str:
    """The challenge ``/mcp/`` answers ``token`` with, once it is refused (401)."""
    response = await client.get("/mcp/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    return described(response)


async def test_a_request_without_a_token_is_challenged_with_metadata_and_scope(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/mcp/")
    assert response.status_code == 401
    challenge = described(response)
    assert challenge.startswith("Bearer ")
    assert (
        'resource_metadata="http://127.0.0.1:8000/.well-known/oauth-protected-resource/mcp"'
        in challenge
    )
    assert 'scope="read"' in challenge


async def test_a_garbage_token_is_refused_as_malformed(client: httpx.AsyncClient) -> None:
    response = await client.get("/mcp/", headers={"Authorization": "Bearer alk_nonsense"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in described(response)
    assert "malformed" in described(response)


async def test_an_authorization_request_for_another_resource_is_refused(
    client: httpx.AsyncClient, people: People
) -> None:
    client_id = await signed_in_with_client(client, people.bob.email)
    _, challenge = pkce()
    params = authorize_params(client_id, challenge, resource="https://other.example/mcp")
    response = await client.get("/oauth/authorize", params=params)
    assert_error_page(response, "invalid_target")


async def test_a_token_request_for_another_resource_is_refused(
    client: httpx.AsyncClient, people: People
) -> None:
    client_id, verifier, code = await approved_code(client, people.bob.email)
    response = await exchange(
        client, client_id, code, verifier, resource="https://other.example/mcp"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_target"


async def test_a_token_bound_to_another_resource_is_refused_with_that_reason(
    client: httpx.AsyncClient, people: People, fresh_db: Database
) -> None:
    _, token = await connect(client, people.bob.email)
    async with fresh_db.engine.begin() as conn:
        await conn.execute(text("UPDATE connections SET resource = 'https://other.example/mcp'"))
    assert "issued for another resource" in await refusal_of(client, token)


async def test_an_expired_token_is_refused_with_that_reason(
    client: httpx.AsyncClient, people: People, fresh_db: Database
) -> None:
    _, token = await connect(client, people.bob.email)
    async with fresh_db.engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE connections SET created_at = now() - interval '91 days', "
                "expires_at = now() - interval '1 day'"
            )
        )
    assert 'error_description="the access token has expired"' in await refusal_of(client, token)


async def test_a_token_revoked_through_rfc7009_is_refused_on_the_very_next_request(
    client: httpx.AsyncClient, people: People
) -> None:
    client_id, token = await connect(client, people.bob.email)
    bearer = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/mcp/", headers=bearer)).status_code == 200
    revoked = await client.post(
        "/oauth/revoke",
        data={"token": token, "token_type_hint": "access_token", "client_id": client_id},
    )
    assert revoked.status_code == 200
    response = await client.get("/mcp/", headers=bearer)
    assert response.status_code == 401
    assert "revoked" in described(response)


async def test_another_client_cannot_revoke_a_token_it_was_not_issued(
    client: httpx.AsyncClient, people: People
) -> None:
    _, token = await connect(client, people.bob.email)
    other = await register(client, client_name="Another Client")
    await client.post("/oauth/revoke", data={"token": token, "client_id": other})
    response = await client.get("/mcp/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


async def test_a_token_in_the_query_string_is_refused(
    client: httpx.AsyncClient, people: People
) -> None:
    _, token = await connect(client, people.bob.email)
    response = await client.get("/mcp/", params={"access_token": token})
    assert response.status_code == 401
    assert 'error="invalid_request"' in described(response)
    # even alongside a valid header
    response = await client.get(
        "/mcp/", params={"access_token": token}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


async def test_a_disabled_users_token_stops_working(
    client: httpx.AsyncClient, people: People, fresh_db: Database
) -> None:
    _, token = await connect(client, people.bob.email)
    async with fresh_db.engine.begin() as conn:
        await conn.execute(text("UPDATE users SET is_active = false WHERE email = 'bob@acme.test'"))
    assert "disabled" in await refusal_of(client, token)


async def test_last_used_is_recorded_but_written_at_most_once_a_minute(
    client: httpx.AsyncClient, people: People, fresh_db: Database
) -> None:
    _, token = await connect(client, people.bob.email)
    bearer = {"Authorization": f"Bearer {token}"}
    await client.get("/mcp/", headers=bearer)
    async with fresh_db.engine.connect() as conn:
        first = await conn.scalar(text("SELECT last_used_at FROM connections"))
    await client.get("/mcp/", headers=bearer)
    async with fresh_db.engine.connect() as conn:
        second = await conn.scalar(text("SELECT last_used_at FROM connections"))
    assert first is not None
    assert second == first
