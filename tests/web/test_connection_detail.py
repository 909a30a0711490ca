"""Issue 16 item 3: a connection's detail page, confirmation before Revoke, the history of ended
connections (revoked when, by whom), an admin's "Revoke all" per user and per client, and a
consent page that says the client's name is self-declared."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI

from tests.auth.helpers import (
    People,
    authorize_params,
    client_for,
    csrf_of,
    pkce,
    register,
    sign_in,
)
from tests.web.test_connections_page import connected, connection_ids

PAGE = "/admin/settings/connections"
HISTORY = re.compile(r"<h2>History</h2>(.*)", re.S)


def history_of(html: str) -> str:
    match = HISTORY.search(html)
    assert match, "no history section"
    return match.group(1)


async def test_the_detail_page_shows_client_id_redirect_host_dates_scope_and_revoke(
    app: FastAPI, people: People
) -> None:
    async with client_for(app) as bob:
        connection_id, _ = await connected(bob, people.bob.email)
        page = await bob.get(f"{PAGE}/{connection_id}")
    assert page.status_code == 200
    for label in ("Client ID", "Redirect host", "Created", "Last used", "Expires", "Scope"):
        assert f"<dt>{label}</dt>" in page.text
    assert "127.0.0.1:33418" in page.text  # the test client's loopback redirect host
    assert f'action="{PAGE}/{connection_id}/revoke"' in page.text
    assert "hx-confirm=" in page.text


async def test_revoke_without_javascript_asks_first_and_revokes_only_when_confirmed(
    app: FastAPI, people: People
) -> None:
    async with client_for(app) as bob:
        connection_id, _ = await connected(bob, people.bob.email)
        # the Revoke button of a browser without JavaScript opens a confirmation page
        confirm = await bob.get(f"{PAGE}/{connection_id}/revoke")
        assert confirm.status_code == 200
        assert "stops working" in confirm.text
        assert connection_id in await connection_ids(bob)  # nothing revoked yet
        # confirming revokes it
        done = await bob.post(
            f"{PAGE}/{connection_id}/revoke", data={"csrf_token": csrf_of(confirm.text)}
        )
        assert done.status_code == 303
        assert connection_id not in await connection_ids(bob)


async def test_a_revoked_connection_stays_in_the_history_with_when_and_by_whom(
    app: FastAPI, people: People
) -> None:
    async with client_for(app) as bob, client_for(app) as alice:
        connection_id, token = await connected(bob, people.bob.email)
        await sign_in(alice, people.alice.email)
        page = await alice.get(PAGE)
        await alice.post(f"{PAGE}/{connection_id}/revoke", data={"csrf_token": csrf_of(page.text)})
        bobs_page = await bob.get(PAGE)
        detail = await bob.get(f"{PAGE}/{connection_id}")
        refused = await bob.get("/mcp/", headers={"Authorization": f"Bearer {token}"})
    history = history_of(bobs_page.text)
    assert connection_id in history
    assert "Revoked" in history
    assert "by Alice" in history
    assert detail.status_code == 200
    assert "by Alice" in detail.text
    assert f'action="{PAGE}/{connection_id}/revoke"' not in detail.text  # no second Revoke
    assert refused.status_code == 401


async def test_an_admin_revokes_every_connection_of_one_user_after_confirming(
    app: FastAPI, people: People
) -> None:
    async with client_for(app) as bob, client_for(app) as carol, client_for(app) as alice:
        first, _ = await connected(bob, people.bob.email)
        second, _ = await connected(bob, people.bob.email)
        carols, _ = await connected(carol, people.carol.email)
        await sign_in(alice, people.alice.email)
        listing = await alice.get(PAGE)
        owner = re.search(
            re.escape(people.bob.email) + r'</span>\s*<a class="bulk" href="[^"]*owner=(usr_\w+)"',
            listing.text,
        )
        assert owner, "no Revoke all per user"
        # the link shows what will go and asks to confirm
        confirm = await alice.get(f"{PAGE}/revoke-all?owner={owner.group(1)}")
        assert confirm.status_code == 200
        assert first in await connection_ids(alice)
        done = await alice.post(
            f"{PAGE}/revoke-all",
            data={"csrf_token": csrf_of(confirm.text), "owner": owner.group(1)},
        )
        assert done.status_code == 303
        left = await connection_ids(alice)
    assert first not in left
    assert second not in left
    assert carols in left


async def test_an_admin_revokes_every_connection_of_one_client(
    app: FastAPI, people: People
) -> None:
    async with client_for(app) as bob, client_for(app) as alice:
        client_id = await register(bob, client_name="another-client")  # identical ones share an id
        await sign_in(bob, people.bob.email)
        await sign_in(alice, people.alice.email)
        other, _ = await connected(alice, people.alice.email)
        page = await alice.get(PAGE)
        done = await alice.post(
            f"{PAGE}/revoke-all", data={"csrf_token": csrf_of(page.text), "client": client_id}
        )
        # a client with no live connection: nothing to revoke, the other client's stays
        assert done.status_code == 303
        assert other in await connection_ids(alice)
        listing = await alice.get(PAGE)
        client_of_other = re.search(r"revoke-all\?client=([^\"]+)\"", listing.text)
        assert client_of_other
        await alice.post(
            f"{PAGE}/revoke-all",
            data={"csrf_token": csrf_of(listing.text), "client": client_of_other.group(1)},
        )
        assert other not in await connection_ids(alice)


async def test_a_member_cannot_revoke_all(app: FastAPI, people: People) -> None:
    async with client_for(app) as bob, client_for(app) as carol:
        carols, _ = await connected(carol, people.carol.email)
        _, _ = await connected(bob, people.bob.email)
        page = await bob.get(PAGE)
        assert "revoke-all" not in page.text
        refused = await bob.post(
            f"{PAGE}/revoke-all", data={"csrf_token": csrf_of(page.text), "owner": "usr_x"}
        )
        assert refused.status_code == 404
        assert carols in await connection_ids(carol)


async def test_the_consent_page_says_the_name_is_self_declared_and_shows_the_redirect_host(
    client: httpx.AsyncClient, people: People
) -> None:
    await sign_in(client, people.bob.email)
    client_id = await register(client)
    _, challenge = pkce()
    page = await client.get("/oauth/authorize?" + urlencode(authorize_params(client_id, challenge)))
    assert page.status_code == 200
    assert "has not verified it" in page.text
    assert '<strong class="redirect-host">127.0.0.1:33418</strong>' in page.text
