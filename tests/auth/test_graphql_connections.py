"""``mcpConnections`` and ``revokeConnection`` in GraphQL: the same rule as the page."""

from __future__ import annotations

from typing import Any

import httpx

from accountlens.db.engine import Database
from tests.auth.helpers import People, build_app, client_for, connect, sign_in

LIST = "{ mcpConnections { id ownerEmail clientName } }"
REVOKE = "mutation($id: ID!) { revokeConnection(id: $id) }"


async def graphql(http: httpx.AsyncClient, token: str, query: str, **variables: Any) -> Any:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.json()


async def signed_in(http: httpx.AsyncClient, query: str, **variables: Any) -> Any:
    """``/graphql`` as the web UI's browser: the session cookie, a JSON POST, no token."""
    response = await http.post("/graphql", json={"query": query, "variables": variables})
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
        (bobs,) = (await graphql(http, bob, LIST))["data"]["mcpConnections"]
        answers = []
        for person in (people.carol, people.dave):
            http.cookies.clear()
            await sign_in(http, person.email)
            answers.append(await signed_in(http, REVOKE, id=bobs["id"]))
        answers.append(await signed_in(http, REVOKE, id="con_" + "0" * 32))
        still = await http.get("/mcp/", headers={"Authorization": f"Bearer {bob}"})
        http.cookies.clear()
        await sign_in(http, people.bob.email)
        by_bob = await signed_in(http, REVOKE, id=bobs["id"])
        after = await http.get("/mcp/", headers={"Authorization": f"Bearer {bob}"})
    codes = [r["errors"][0]["extensions"]["code"] for r in answers]
    assert codes == ["NOT_FOUND"] * 3
    assert still.status_code == 200
    assert by_bob["data"]["revokeConnection"] == bobs["id"]
    assert after.status_code == 401


async def test_an_access_token_cannot_revoke_connections_but_the_admins_web_session_can(
    fresh_db: Database, people: People
) -> None:
    # given bob's connection, and alice (an admin) connected an assistant and is signed in
    async with client_for(build_app(fresh_db, "http://127.0.0.1:8000")) as http:
        _, bob = await connect(http, people.bob.email)
        http.cookies.clear()
        _, alice = await connect(http, people.alice.email)
        listed = (await graphql(http, alice, LIST))["data"]["mcpConnections"]
        (bobs,) = [c for c in listed if c["ownerEmail"] == people.bob.email]
        # when the assistant's token calls the mutation
        by_token = await graphql(http, alice, REVOKE, id=bobs["id"])
        still = await http.get("/mcp/", headers={"Authorization": f"Bearer {bob}"})
        # and when alice revokes it signed in, as the web UI does
        by_session = await signed_in(http, REVOKE, id=bobs["id"])
        after = await http.get("/mcp/", headers={"Authorization": f"Bearer {bob}"})
    # then the token is refused with a typed error and nothing is revoked; the session revokes
    assert by_token["data"] is None
    assert by_token["errors"][0]["extensions"]["code"] == "READ_ONLY_TOKEN"
    assert still.status_code == 200
    assert by_session["data"]["revokeConnection"] == bobs["id"]
    assert after.status_code == 401


EVERY_FIELD = """{ mcpConnections { id clientName clientId ownerName ownerEmail createdAt
  lastUsedAt expiresAt ownerId redirectHost scope revokedAt revokedByName kind } }"""


async def test_a_token_and_the_web_session_see_the_same_connections_field_for_field(
    fresh_db: Database, people: People
) -> None:
    # given an admin's connections (listed in the token's own transaction) and a member's
    async with client_for(build_app(fresh_db, "http://127.0.0.1:8000")) as http:
        for person in (people.bob, people.alice):
            http.cookies.clear()
            _, token = await connect(http, person.email)
        # when the admin lists them with the token (once first: it notes its last use) and
        # from a signed-in browser (no token: no request transaction, the ORM session reads)
        await graphql(http, token, EVERY_FIELD)
        by_token = await graphql(http, token, EVERY_FIELD)
        http.cookies.clear()
        await sign_in(http, people.alice.email)
        by_session = await signed_in(http, EVERY_FIELD)
    # then both say the same, newest first
    assert by_token == by_session
    listed = by_token["data"]["mcpConnections"]
    assert [c["ownerEmail"] for c in listed] == ["alice@acme.test", "bob@acme.test"]
