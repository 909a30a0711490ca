"""Phase C of the fault script: revoke through one process, be refused by the other.

A connection is revoked on process 1, once through the RFC 7009 revocation endpoint (by its
client) and once by an org admin in the web UI (a bearer token may not call mutations, so an
admin revokes from a signed-in browser session); process 2 must refuse the token with 401 on the
very next call, with nothing in between.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from accountlens.auth.tokens import ACCESS_TOKEN_PREFIX, parse
from bench.fault.clients import Target
from bench.load.connect import PASSWORDS, _csrf, mint_tokens
from bench.load.mcp_client import call_tool

VICTIM = ("katherine@northwind.example", "member")
VICTIM_CLIENT = "AccountLens fault victim"
#: The victim's org admin, who revokes in the web UI.
ADMIN = ("ada@northwind.example", "admin")
CONNECTIONS_PATH = "/admin/settings/connections"
PROBE_CALL = ("list_objects", {"object_type": "account", "limit": 1})


@dataclass(frozen=True)
class Revocation:
    """One revocation and what process 2 answered before and right after it."""

    how: str
    before: int
    revoke_status: int
    after: int
    refused_within_ms: float

    @property
    def passed(self) -> bool:
        return self.before == 200 and self.revoke_status == 200 and self.after == 401

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"passed": self.passed}


async def _status(http: httpx.AsyncClient, token: str) -> int:
    """The HTTP status of one tool call (0 for a 200 whose answer was an error)."""
    result = await call_tool(http, token, *PROBE_CALL)
    return 0 if result.status == 200 and not result.ok else result.status


async def _revoke_rfc7009(http: httpx.AsyncClient, token: str, client_id: str) -> int:
    """The client revokes its own token; RFC 7009 answers 200."""
    response = await http.post(
        "/oauth/revoke",
        data={"token": token, "token_type_hint": "access_token", "client_id": client_id},
    )
    return response.status_code


async def revoke_in_web_ui(
    http: httpx.AsyncClient, token: str, admin: tuple[str, str] = ADMIN
) -> int:
    """The org's admin (e-mail, demo role) signs in to the web UI and revokes the connection of
    ``token`` there; 200 when the page confirms it. The fault and Citus runs both use it."""
    parsed = parse(ACCESS_TOKEN_PREFIX, token)
    if parsed is None:
        raise ValueError("not an AccountLens access token")
    connection = f"con_{parsed.row_id.hex}"
    page = await http.get("/sign-in")
    signed_in = await http.post(
        "/sign-in",
        data={"email": admin[0], "password": PASSWORDS[admin[1]], "csrf_token": _csrf(page.text)},
    )
    if signed_in.status_code not in (200, 303):
        return signed_in.status_code
    confirm = await http.get(f"{CONNECTIONS_PATH}/{connection}/revoke")
    if confirm.status_code != 200:
        return confirm.status_code
    done = await http.post(
        f"{CONNECTIONS_PATH}/{connection}/revoke", data={"csrf_token": _csrf(confirm.text)}
    )
    return 200 if done.status_code == 303 else done.status_code


async def revoke_across_processes(
    first: Target, second: Target, client_id: str
) -> list[Revocation]:
    """Both ways of revoking on ``first``, each checked on ``second`` right after.

    ``client_id`` is a client registered for the victims alone.
    """
    tokens = await mint_tokens(first.base_url, client_id, *VICTIM, 2)
    ways = ("RFC 7009 /oauth/revoke", "an admin in the web UI")
    results = []
    one = httpx.AsyncClient(base_url=first.base_url, timeout=30)
    two = httpx.AsyncClient(base_url=second.base_url, timeout=30, headers={"Host": second.host})
    async with one, two:
        for how, token in zip(ways, tokens, strict=True):
            before = await _status(two, token)
            if how.startswith("RFC"):
                revoke_status = await _revoke_rfc7009(one, token, client_id)
            else:
                revoke_status = await revoke_in_web_ui(one, token)
            revoked_at = time.perf_counter()
            after = await _status(two, token)
            took = round((time.perf_counter() - revoked_at) * 1000, 1)
            results.append(Revocation(how, before, revoke_status, after, took))
    return results
