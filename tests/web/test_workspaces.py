"""One e-mail in several orgs: the person picks the workspace after the password, only orgs
whose own password matched are offered, and connections belong to the chosen org."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from accountlens.auth import users
from accountlens.db.engine import Database
from tests.auth.helpers import (
    PASSWORD,
    People,
    approve,
    authorize_params,
    csrf_of,
    exchange,
    pkce,
    query_of,
    register,
    sign_in,
)

OTHER_PASSWORD = "globex has a password of its own"
WORKSPACE_BUTTON = re.compile(r'name="org" value="([^"]+)"[^>]*>([^<]+)<')


async def add_account(db: Database, org: str, email: str, password: str) -> None:
    async with db.sessions() as session:
        await users.create_user(session, org, email, "Alice Too", password, "member")
        await session.commit()


def workspaces_on(html: str) -> dict[str, str]:
    """Org name → the value its button posts."""
    return {name.strip(): value for value, name in WORKSPACE_BUTTON.findall(html)}


async def pick(client: httpx.AsyncClient, page: httpx.Response, org_name: str) -> httpx.Response:
    next_ = query_of(str(page.url)).get("next", "/")
    return await client.post(
        "/sign-in/workspace",
        data={
            "csrf_token": csrf_of(page.text),
            "org": workspaces_on(page.text)[org_name],
            "next": next_,
        },
    )


async def test_one_password_in_two_orgs_offers_both_and_connects_to_the_one_picked(
    client: httpx.AsyncClient, people: People, fresh_db: Database
) -> None:
    # given alice has an account in Globex too, with the same password
    await add_account(fresh_db, "globex", people.alice.email, PASSWORD)
    client_id = await register(client)
    verifier, challenge = pkce()
    params = authorize_params(client_id, challenge)

    # when she starts an OAuth flow and signs in
    start = await client.get("/oauth/authorize", params=params)
    assert start.status_code == 303
    sign_in_page = await client.get(start.headers["location"])
    signed = await client.post(
        "/sign-in",
        data={
            "email": people.alice.email,
            "password": PASSWORD,
            "csrf_token": csrf_of(sign_in_page.text),
            "next": query_of(start.headers["location"])["next"],
        },
    )

    # then she chooses between both workspaces, picks Globex and its consent page names it
    assert signed.status_code == 303
    chooser = await client.get(signed.headers["location"])
    assert chooser.status_code == 200
    assert set(workspaces_on(chooser.text)) == {"Acme Corp", "Globex"}
    picked = await pick(client, chooser, "Globex")
    assert picked.status_code == 303
    assert picked.headers["location"].startswith("/oauth/authorize?")
    consent = await client.get(picked.headers["location"])
    assert '<dd class="org">Globex' in consent.text
    assert 'href="/sign-in?next=/oauth/authorize%3F' in consent.text  # "Use another workspace"
    decision = await approve(client, params)
    code = query_of(decision.headers["location"])["code"]
    token = (await exchange(client, client_id, code, verifier)).json()["access_token"]

    # and the token she got acts in Globex
    client.cookies.clear()
    me = await client.post(
        "/graphql",
        json={"query": "{ me { org { name } user { email } } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert me.json() == {
        "data": {"me": {"org": {"name": "Globex"}, "user": {"email": people.alice.email}}}
    }


async def test_with_different_passwords_only_the_org_whose_password_matches_is_offered(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    # given alice's Globex account has a password of its own
    await add_account(fresh_db, "globex", people.alice.email, OTHER_PASSWORD)
    for password, lands_in, never_named in (
        (PASSWORD, "Acme Corp", "Globex"),
        (OTHER_PASSWORD, "Globex", "Acme Corp"),
    ):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
        ) as http:
            # when she signs in with one of them
            signed = await sign_in(http, people.alice.email, password)
            # then she lands straight in that org, with no chooser naming the other one
            assert signed.status_code == 303
            assert signed.headers["location"] == "/"
            home = await http.get("/")
            assert lands_in in home.text
            assert never_named not in home.text
            chooser = await http.get("/sign-in/workspace")
            assert chooser.status_code == 303
            assert never_named not in chooser.text


async def test_a_workspace_the_password_did_not_open_cannot_be_picked(
    client: httpx.AsyncClient, people: People, fresh_db: Database
) -> None:
    # given alice in three orgs, where the password matches Acme and Globex but not Initech
    await add_account(fresh_db, "globex", people.alice.email, PASSWORD)
    async with fresh_db.sessions() as session:
        initech = await users.create_org(session, "Initech", "initech", "open")
        await session.commit()
    await add_account(fresh_db, "initech", people.alice.email, OTHER_PASSWORD)
    signed = await sign_in(client, people.alice.email)
    chooser = await client.get(signed.headers["location"])
    assert set(workspaces_on(chooser.text)) == {"Acme Corp", "Globex"}
    # when a forged form picks Initech
    forged = await client.post(
        "/sign-in/workspace",
        data={"csrf_token": csrf_of(chooser.text), "org": str(initech.id), "next": "/"},
    )
    # then it is refused and no one is signed in
    assert forged.status_code == 400
    assert "Initech" not in forged.text
    assert (await client.get("/")).status_code == 303
