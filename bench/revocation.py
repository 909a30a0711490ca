"""Phase C of the fault script: revoke through one process, be refused by the other.

A connection is revoked on process 1, once through the RFC 7009 revocation endpoint (by its
client) and once through the GraphQL ``revokeConnection`` mutation (by an org admin); process 2
must refuse the token with 401 on the very next call, with nothing in between.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from bench.connect import mint_tokens
from bench.faultload import Target
from bench.mcp_client import call_tool

VICTIM = ("katherine@northwind.example", "member")
VICTIM_CLIENT = "AccountLens fault victim"
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


async def _graphql(http: httpx.AsyncClient, token: str, query: str, **variables: Any) -> Any:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    response.raise_for_status()
    return response.json()


async def _revoke_rfc7009(http: httpx.AsyncClient, token: str, client_id: str) -> int:
    """The client revokes its own token; RFC 7009 answers 200."""
    response = await http.post(
        "/oauth/revoke",
        data={"token": token, "token_type_hint": "access_token", "client_id": client_id},
    )
    return response.status_code


async def _revoke_graphql(http: httpx.AsyncClient, admin_token: str) -> int:
    """An org admin finds the victim's live connection and revokes it (200 when it says so)."""
    listed = await _graphql(http, admin_token, "{ mcpConnections { id clientName } }")
    ids = [c["id"] for c in listed["data"]["mcpConnections"] if c["clientName"] == VICTIM_CLIENT]
    if len(ids) != 1:
        raise RuntimeError(f"expected one live victim connection, found {len(ids)}")
    revoked = await _graphql(
        http, admin_token, "mutation($id: ID!) { revokeConnection(id: $id) }", id=ids[0]
    )
    return 200 if (revoked.get("data") or {}).get("revokeConnection") == ids[0] else 400


async def revoke_across_processes(
    first: Target, second: Target, client_id: str, admin_token: str
) -> list[Revocation]:
    """Both ways of revoking on ``first``, each checked on ``second`` right after.

    ``client_id`` is a client registered for the victims alone, so the admin can tell the
    victim's connection from the load's.
    """
    tokens = await mint_tokens(first.base_url, client_id, *VICTIM, 2)
    ways = ("RFC 7009 /oauth/revoke", "GraphQL revokeConnection")
    results = []
    one = httpx.AsyncClient(base_url=first.base_url, timeout=30)
    two = httpx.AsyncClient(base_url=second.base_url, timeout=30, headers={"Host": second.host})
    async with one, two:
        for how, token in zip(ways, tokens, strict=True):
            before = await _status(two, token)
            if how.startswith("RFC"):
                revoke_status = await _revoke_rfc7009(one, token, client_id)
            else:
                revoke_status = await _revoke_graphql(one, admin_token)
            revoked_at = time.perf_counter()
            after = await _status(two, token)
            took = round((time.perf_counter() - revoked_at) * 1000, 1)
            results.append(Revocation(how, before, revoke_status, after, took))
    return results
