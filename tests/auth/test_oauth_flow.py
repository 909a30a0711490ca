"""The authorization-code flow over HTTP, in-process: the happy path and metadata."""

from __future__ import annotations

import httpx

from tests.auth.helpers import People, connect


async def test_metadata_advertises_s256_only_public_clients_and_the_mcp_resource(
    client: httpx.AsyncClient,
) -> None:
    server = (await client.get("/.well-known/oauth-authorization-server")).json()
    resource = (await client.get("/.well-known/oauth-protected-resource/mcp")).json()
    root = (await client.get("/.well-known/oauth-protected-resource")).json()
    assert server["issuer"] == "http://127.0.0.1:8000"
    assert server["code_challenge_methods_supported"] == ["S256"]
    assert server["token_endpoint_auth_methods_supported"] == ["none"]
    assert server["authorization_response_iss_parameter_supported"] is True
    assert server["client_id_metadata_document_supported"] is True
    assert resource == root
    assert resource["resource"] == "http://127.0.0.1:8000/mcp"
    assert resource["authorization_servers"] == ["http://127.0.0.1:8000"]


async def test_a_signed_in_user_connects_a_client_and_the_token_reaches_the_resource(
    client: httpx.AsyncClient, people: People
) -> None:
    _, token = await connect(client, people.bob.email)
    response = await client.get("/mcp/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["user_id"] == str(people.bob.user_id)
