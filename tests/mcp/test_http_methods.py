"""``/mcp`` challenges before it refuses a method: a client without a token must learn that it
needs OAuth whatever it sent (Claude Desktop probes with GET)."""

from __future__ import annotations

import httpx
import pytest

from tests.mcp.conftest import Live

PROBES = ["GET", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD"]


@pytest.mark.parametrize("method", PROBES)
async def test_an_unauthenticated_request_of_any_method_gets_the_bearer_challenge(
    live: Live, method: str
) -> None:
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        response = await http.request(method, "/mcp", headers={"accept": "text/event-stream"})
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith(
        f'Bearer resource_metadata="{live.base_url}/.well-known/oauth-protected-resource/mcp"'
    )
    assert 'scope="read"' in challenge


async def test_an_unauthenticated_preflight_from_an_origin_not_configured_gets_the_challenge(
    live: Live,
) -> None:
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        response = await http.options(
            "/mcp",
            headers={
                "origin": "https://app.example",
                "access-control-request-method": "POST",
            },
        )
    assert response.status_code == 401
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["www-authenticate"].startswith("Bearer resource_metadata=")


@pytest.mark.parametrize("method", PROBES)
async def test_only_an_authenticated_request_that_is_not_a_post_gets_405(
    live: Live, method: str
) -> None:
    persona = await live.persona("restricted admin")
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        response = await http.request(
            method, "/mcp", headers={"authorization": f"Bearer {persona.token}"}
        )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
