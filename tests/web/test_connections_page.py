"""Admin → Settings → MCP Connections: who sees and revokes what."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from tests.auth.helpers import People, client_for, connect, csrf_of, sign_in

ROW = re.compile(r"<tr id=\"connection-(con_[0-9a-f]+)\">")


async def connection_ids(client: httpx.AsyncClient) -> list[str]:
    page = await client.get("/admin/settings/connections")
    assert page.status_code == 200
    return ROW.findall(page.text)


async def connected(browser: httpx.AsyncClient, email: str) -> tuple[str, str]:
    """Give ``email`` (signed in on ``browser``) a new connection; (connection id, token)."""
    before = set()
    page = await browser.get("/admin/settings/connections")
    if page.status_code == 200:
        before = set(ROW.findall(page.text))
    _, token = await connect(browser, email)
    new = [i for i in await connection_ids(browser) if i not in before]
    return new[0], token


async def revoke(
    client: httpx.AsyncClient, connection_id: str, htmx: bool = False
) -> httpx.Response:
    page = await client.get("/admin/settings/connections")
    headers = {"HX-Request": "true"} if htmx else {}
    return await client.post(
        f"/admin/settings/connections/{connection_id}/revoke",
        data={"csrf_token": csrf_of(page.text)},
        headers=headers,
    )


async def test_the_page_shows_the_columns_and_the_connection(app: FastAPI, people: People) -> None:
    async with client_for(app) as browser:
        connection_id, _ = await connected(browser, people.bob.email)
        page = await browser.get("/admin/settings/connections")
    for column in ("Client", "Key owner", "Created", "Last used", "Expires"):
        assert f"<th>{column}</th>" in page.text
    assert connection_id in page.text
    assert "Test Client" in page.text
    assert "Bob" in page.text


async def test_members_see_only_their_own_and_admins_see_their_whole_org(
    app: FastAPI, people: People
) -> None:
    async with client_for(app) as bob, client_for(app) as carol, client_for(app) as dave:
        bobs, _ = await connected(bob, people.bob.email)
        carols, _ = await connected(carol, people.carol.email)
        daves, _ = await connected(dave, people.dave.email)
        async with client_for(app) as alice:
            await sign_in(alice, people.alice.email)
            admin_view = await connection_ids(alice)
        assert await connection_ids(bob) == [bobs]
        assert await connection_ids(carol) == [carols]
        assert sorted(admin_view) == sorted([bobs, carols])
        assert await connection_ids(dave) == [daves]


async def test_a_member_cannot_revoke_another_members_connection(
    app: FastAPI, people: People
) -> None:
    async with client_for(app) as bob, client_for(app) as carol:
        bobs, token = await connected(bob, people.bob.email)
        await sign_in(carol, people.carol.email)
        response = await revoke(carol, bobs)
        assert response.status_code == 404
        still = await bob.get("/mcp/", headers={"Authorization": f"Bearer {token}"})
        assert still.status_code == 200


async def test_another_orgs_admin_cannot_revoke_a_connection(app: FastAPI, people: People) -> None:
    async with client_for(app) as bob, client_for(app) as dave:
        bobs, token = await connected(bob, people.bob.email)
        await sign_in(dave, people.dave.email)
        response = await revoke(dave, bobs)
        assert response.status_code == 404
        still = await bob.get("/mcp/", headers={"Authorization": f"Bearer {token}"})
        assert still.status_code == 200


async def test_an_admin_revokes_a_members_connection_and_its_token_stops_at_once(
    app: FastAPI, people: People
) -> None:
    async with client_for(app) as bob, client_for(app) as alice:
        bobs, token = await connected(bob, people.bob.email)
        await sign_in(alice, people.alice.email)
        response = await revoke(alice, bobs, htmx=True)
        assert response.status_code == 200
        assert response.text == ""  # htmx swaps the row out
        refused = await bob.get("/mcp/", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 401
        assert bobs not in await connection_ids(alice)


async def test_revoking_without_javascript_redirects_back_to_the_page(
    app: FastAPI, people: People
) -> None:
    async with client_for(app) as bob:
        bobs, _ = await connected(bob, people.bob.email)
        response = await revoke(bob, bobs)
        assert response.status_code == 303
        assert response.headers["location"] == "/admin/settings/connections"
        assert bobs not in await connection_ids(bob)


async def test_revoking_without_the_csrf_token_is_refused(app: FastAPI, people: People) -> None:
    async with client_for(app) as bob:
        bobs, _ = await connected(bob, people.bob.email)
        response = await bob.post(f"/admin/settings/connections/{bobs}/revoke", data={})
        assert response.status_code == 403
        assert bobs in await connection_ids(bob)
