"""Token and revocation endpoint errors in the shape RFC 6749 §5.2 asks for."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.auth.helpers import REDIRECT_URI


@pytest.mark.parametrize("path", ["/oauth/token", "/oauth/revoke"])
async def test_an_unknown_client_gets_401_invalid_client_with_a_basic_challenge(
    client: httpx.AsyncClient, path: str
) -> None:
    form = {
        "grant_type": "authorization_code",
        "code": "nope",
        "redirect_uri": REDIRECT_URI,
        "code_verifier": "v" * 43,
        "token": "nope",
    }
    basic = "Basic " + base64.b64encode(b"no-such-client:secret").decode()
    for headers, data in (
        ({}, {**form, "client_id": "no-such-client"}),  # a public client that is not registered
        ({"Authorization": basic}, form),  # a client that tried HTTP Basic
    ):
        response = await client.post(path, data=data, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
        assert response.headers["www-authenticate"].startswith('Basic realm="')
