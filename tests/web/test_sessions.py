"""Web sessions live on the server: sign-out, a password change, disabling a user and an
admin's "sign out everywhere" end them on the very next request, whatever the cookie says."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from accountlens.auth import users
from accountlens.auth.sessions import SessionCodec
from accountlens.db.engine import Database
from accountlens.schema.ids import encode_id
from tests.auth.helpers import PASSWORD, People, client_for, connect, csrf_of, sign_in
from tests.auth.test_cli import accountlens

CONNECTIONS = "/admin/settings/connections"
SIGN_OUT_USER = "mutation($id: ID!) { signOutUser(userId: $id) }"


def session_cookie(app: FastAPI, http: httpx.AsyncClient) -> str:
    value = http.cookies.get(app.state.auth_service.options.session_cookie_name)
    assert value, "no session cookie"
    return value


def browser_with(app: FastAPI, cookie: str) -> httpx.AsyncClient:
    """Another browser that replays a saved session cookie."""
    http = client_for(app)
    http.cookies.set(app.state.auth_service.options.session_cookie_name, cookie)
    return http


@asynccontextmanager
async def signed_in_browser(app: FastAPI, email: str) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        assert (await sign_in(http, email)).status_code == 303
        yield http


async def graphql(http: httpx.AsyncClient, query: str, **variables: str) -> httpx.Response:
    return await http.post("/graphql", json={"query": query, "variables": variables})


async def test_a_cookie_saved_before_sign_out_opens_nothing_after_it(
    app: FastAPI, people: People
) -> None:
    # given a signed-in browser whose cookie someone saved
    async with client_for(app) as http:
        await sign_in(http, people.alice.email)
        saved = session_cookie(app, http)
        assert (await http.get(CONNECTIONS)).status_code == 200
        # when the person signs out
        home = await http.get("/")
        signed_out = await http.post("/sign-out", data={"csrf_token": csrf_of(home.text)})
        assert signed_out.status_code == 303
    # then the saved cookie is sent to sign-in by the pages and refused by the API
    async with browser_with(app, saved) as replay:
        page = await replay.get(CONNECTIONS)
        assert page.status_code == 303
        assert page.headers["location"].startswith("/sign-in")
        api = await graphql(replay, "{ me { role } }")
        assert api.status_code == 401


async def test_a_password_change_signs_out_every_other_browser_but_this_one(
    app: FastAPI, people: People
) -> None:
    # given alice signed in on two browsers
    here_browser = signed_in_browser(app, people.alice.email)
    async with here_browser as here, signed_in_browser(app, people.alice.email) as other:
        # when she changes her password on one of them
        form = await here.get("/account/password")
        new = "a brand new and long password"
        changed = await here.post(
            "/account/password",
            data={
                "csrf_token": csrf_of(form.text),
                "current_password": PASSWORD,
                "new_password": new,
                "confirm_password": new,
            },
        )
        assert changed.status_code == 200, changed.text
        # then the other browser is signed out, this one is not, and only the new password works
        assert (await other.get(CONNECTIONS)).status_code == 303
        assert (await here.get(CONNECTIONS)).status_code == 200
    async with client_for(app) as fresh:
        assert (await sign_in(fresh, people.alice.email)).status_code == 401
        assert (await sign_in(fresh, people.alice.email, new)).status_code == 303


async def test_a_wrong_current_password_changes_nothing_and_signs_no_one_out(
    app: FastAPI, people: People
) -> None:
    here_browser = signed_in_browser(app, people.bob.email)
    async with here_browser as here, signed_in_browser(app, people.bob.email) as other:
        form = await here.get("/account/password")
        refused = await here.post(
            "/account/password",
            data={
                "csrf_token": csrf_of(form.text),
                "current_password": "not my password at all",
                "new_password": "a brand new and long password",
                "confirm_password": "a brand new and long password",
            },
        )
        assert refused.status_code == 400
        assert "current password" in refused.text
        assert (await other.get(CONNECTIONS)).status_code == 200
    async with client_for(app) as fresh:
        assert (await sign_in(fresh, people.bob.email)).status_code == 303


async def test_disabling_a_user_ends_their_sessions_for_good(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    # given bob signed in
    async with signed_in_browser(app, people.bob.email) as http:
        saved = session_cookie(app, http)
        # when an operator disables him, and later enables him again
        async with fresh_db.sessions() as session:
            await users.set_active(session, "acme", people.bob.email, False)
            await session.commit()
        async with fresh_db.sessions() as session:
            await users.set_active(session, "acme", people.bob.email, True)
            await session.commit()
    # then the session he had is gone: he signs in again
    async with browser_with(app, saved) as replay:
        assert (await replay.get(CONNECTIONS)).status_code == 303


async def test_an_operator_signs_a_person_out_everywhere_with_the_cli(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    # given carol on two browsers and bob on one
    async with (
        signed_in_browser(app, people.carol.email) as first,
        signed_in_browser(app, people.carol.email) as second,
        signed_in_browser(app, people.bob.email) as bystander,
    ):
        # when the operator signs carol out everywhere
        done = accountlens(fresh_db, "users", "sign-out", people.carol.email)
        assert done.returncode == 0, done.stderr
        assert "Ended 2 sessions" in done.stdout
        # then both her browsers are signed out and bob is not
        assert (await first.get(CONNECTIONS)).status_code == 303
        assert (await second.get(CONNECTIONS)).status_code == 303
        assert (await bystander.get(CONNECTIONS)).status_code == 200


async def test_an_admin_signs_a_member_out_through_graphql_with_the_web_session_only(
    app: FastAPI, people: People
) -> None:
    bob_id = encode_id("user", people.bob.user_id)
    async with (
        signed_in_browser(app, people.bob.email) as bob,
        signed_in_browser(app, people.alice.email) as alice,
        signed_in_browser(app, people.dave.email) as dave,
        client_for(app) as assistant,
    ):
        # a token (what an MCP client holds) may not sign anyone out, even an admin's
        _, token = await connect(assistant, people.alice.email)
        assistant.cookies.clear()
        by_token = await assistant.post(
            "/graphql",
            json={"query": SIGN_OUT_USER, "variables": {"id": bob_id}},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert by_token.json()["errors"][0]["extensions"]["code"] == "READ_ONLY_TOKEN"
        # a member may not, and another org's admin cannot even find him
        by_member = await graphql(bob, SIGN_OUT_USER, id=encode_id("user", people.carol.user_id))
        assert by_member.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        by_stranger = await graphql(dave, SIGN_OUT_USER, id=bob_id)
        assert by_stranger.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert (await bob.get(CONNECTIONS)).status_code == 200
        # his own org's admin, from her browser, may
        by_admin = await graphql(alice, SIGN_OUT_USER, id=bob_id)
        assert by_admin.json() == {"data": {"signOutUser": 1}}
        assert (await bob.get(CONNECTIONS)).status_code == 303
        assert (await alice.get(CONNECTIONS)).status_code == 200


async def test_the_sessions_table_holds_no_session_id_in_plaintext(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    async with signed_in_browser(app, people.alice.email) as http:
        cookie = session_cookie(app, http)
    session = SessionCodec(app.state.auth_service.options).load(cookie)
    assert session is not None
    assert session.session_id
    async with fresh_db.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT w::text, id_hash FROM web_sessions w"))).all()
    assert len(rows) == 1
    dumped, id_hash = rows[0]
    assert session.session_id not in dumped
    assert session.session_id.encode() not in id_hash
    assert cookie not in dumped
