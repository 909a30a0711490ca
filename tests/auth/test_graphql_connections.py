"""``mcpConnections`` and ``revokeConnection`` in GraphQL: the same rule as the page."""

from __future__ import annotations

from typing import Any

import httpx

from accountlens.db.engine import Database
from tests.auth.helpers import People, build_app, client_for, connect

LIST = "{ mcpConnections { id ownerEmail clientName } }"
REVOKE = "mutation($id: ID!) { revokeConnection(id: $id) }"


async def graphql(http: httpx.AsyncClient, token: str, query: str, **variables: Any) -> Any:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.json()


async def test_members_list_their_own_admins_their_org_and_nobody_crosses_orgs(
    fresh_db: Database, people: People
) -> None:
    tokens = {}
    async with client_for(build_app(fresh_db, "http://127.0.0.1:8000")) as http:
        for person in (people.alice, people.bob, people.carol, people.dave):
            http.cookies.clear()
            _, tokens[person.email] = await connect(http, person.email)
        seen = {
            email: sorted(
                c["ownerEmail"]
                for c in (await graphql(http, token, LIST))["data"]["mcpConnections"]
            )
            for email, token in tokens.items()
        }
    assert seen["bob@acme.test"] == ["bob@acme.test"]
    assert seen["alice@acme.test"] == ["alice@acme.test", "bob@acme.test", "carol@acme.test"]
    assert seen["dave@globex.test"] == ["dave@globex.test"]


async def test_revoke_connection_answers_not_found_for_a_connection_you_cannot_see(
    fresh_db: Database, people: People
) -> None:
    async with client_for(build_app(fresh_db, "http://127.0.0.1:8000")) as http:
        _, bob = await connect(http, people.bob.email)
        http.cookies.clear()
        _, carol = await connect(http, people.carol.email)
        http.cookies.clear()
        _, dave = await connect(http, people.dave.email)
        (bobs,) = (await graphql(http, bob, LIST))["data"]["mcpConnections"]
        by_carol = await graphql(http, carol, REVOKE, id=bobs["id"])
        by_dave = await graphql(http, dave, REVOKE, id=bobs["id"])
        unknown = await graphql(http, carol, REVOKE, id="con_" + "0" * 32)
        still = await http.get("/mcp/", headers={"Authorization": f"Bearer {bob}"})
        by_bob = await graphql(http, bob, REVOKE, id=bobs["id"])
        after = await http.get("/mcp/", headers={"Authorization": f"Bearer {bob}"})
    codes = [r["errors"][0]["extensions"]["code"] for r in (by_carol, by_dave, unknown)]
    assert len(set(codes)) == 1
    assert codes[0] == "NOT_FOUND"
    assert still.status_code == 200
    assert by_bob["data"]["revokeConnection"] == bobs["id"]
    assert after.status_code == 401
