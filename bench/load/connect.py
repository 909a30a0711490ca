"""Connections minted through the real OAuth flow, as an MCP client would get them.

Dynamic client registration, sign-in, the consent page's Allow button (with its CSRF token),
PKCE S256, and the token exchange bound to the ``/mcp`` resource: the same path Claude takes.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

REDIRECT_URI = "http://127.0.0.1:33500/callback"
PASSWORDS = {"admin": "demo-admin-pass", "member": "demo-member-pass"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _csrf(html: str) -> str:
    match = _CSRF.search(html)
    if match is None:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def _query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def register_client(base_url: str, client_name: str = "AccountLens bench") -> str:
    """One dynamic client registration (identical ones share a client; new ones are limited)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        registered = await http.post(
            "/oauth/register",
            json={"client_name": client_name, "redirect_uris": [REDIRECT_URI]},
        )
        registered.raise_for_status()
        return str(registered.json()["client_id"])


async def mint_token(base_url: str, client_id: str, email: str, role: str) -> str:
    """A fresh connection's access token for the demo user ``email``, via sign-in and consent."""
    (token,) = await mint_tokens(base_url, client_id, email, role, 1)
    return token


async def mint_tokens(
    base_url: str, client_id: str, email: str, role: str, count: int
) -> list[str]:
    """``count`` connections for ``email`` from one sign-in (sign-ins are rate-limited)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        page = await http.get("/sign-in")
        signed_in = await http.post(
            "/sign-in",
            data={"email": email, "password": PASSWORDS[role], "csrf_token": _csrf(page.text)},
        )
        if signed_in.status_code not in (200, 303):
            raise RuntimeError(f"sign-in failed for {email}: {signed_in.status_code}")
        return [await _authorize(http, base_url, client_id) for _ in range(count)]


async def _authorize(http: httpx.AsyncClient, base_url: str, client_id: str) -> str:
    """Consent (Allow) and the PKCE token exchange, as the signed-in user of ``http``."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    resource = f"{base_url}/mcp"
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "state": secrets.token_urlsafe(8),
        "scope": "read",
        "resource": resource,
        "code_challenge": challenge.decode().rstrip("="),
        "code_challenge_method": "S256",
    }
    consent = await http.get("/oauth/authorize?" + urlencode(params))
    consent.raise_for_status()
    decision = await http.post(
        "/oauth/authorize",
        data=params | {"csrf_token": _csrf(consent.text), "decision": "approve"},
    )
    code = _query(decision.headers["location"])["code"]
    token = await http.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": client_id,
            "code_verifier": verifier,
            "resource": resource,
        },
    )
    token.raise_for_status()
    return str(token.json()["access_token"])
