"""Admin → People: invite by single-use link, roles, disabling, reset links, sign-out
everywhere; members get 403, another org's people 404; every action is audited."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from accountlens.db.engine import Database
from accountlens.schema.ids import encode_id
from tests.auth.helpers import PASSWORD, People, client_for, csrf_of, sign_in
from tests.web.admin_helpers import BROWSER, browser_as, link_on, post_form

NEW_PASSWORD = "a fresh and long passphrase"


def usr(person_id: object) -> str:
    return encode_id("user", person_id)  # type: ignore[arg-type]


async def audit_actions(db: Database) -> list[tuple[str, str, str]]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT actor_email, action, target FROM admin_audit ORDER BY at, action")
        )
        return [(r[0], r[1], r[2]) for r in rows]


async def test_an_invitee_sets_a_password_through_the_single_use_link_and_signs_in(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    # given the admin invites a new person
    async with browser_as(app, people.alice.email) as alice:
        shown = await post_form(
            alice,
            "/admin/users/invite",
            {"email": "erin@acme.test", "name": "Erin", "role": "member"},
            page="/admin/users",
        )
        assert shown.status_code == 200, shown.text
        link = link_on(shown.text)
        listing = await alice.get("/admin/users")
        assert "erin@acme.test" in listing.text
        assert "invited" in listing.text
    async with client_for(app) as erin:
        # when the invitee opens the link, a breached password is refused and the link survives
        form = await erin.get(link, headers=BROWSER)
        assert form.status_code == 200
        assert "erin@acme.test" in form.text
        token = link.split("t=", 1)[1]
        weak = await erin.post(
            "/account/set-password",
            data={
                "t": token,
                "new_password": "qwerty123456",
                "confirm_password": "qwerty123456",
                "csrf_token": csrf_of(form.text),
            },
        )
        assert weak.status_code == 400
        assert "breached" in weak.text
        # and a good one is set
        done = await erin.post(
            "/account/set-password",
            data={
                "t": token,
                "new_password": NEW_PASSWORD,
                "confirm_password": NEW_PASSWORD,
                "csrf_token": csrf_of(form.text),
            },
        )
        assert done.status_code == 303
        # then they sign in with it, and the link opens nothing any more
        assert (await sign_in(erin, "erin@acme.test", NEW_PASSWORD)).status_code == 303
        again = await erin.get(link, headers=BROWSER)
        assert again.status_code == 404
    assert (
        "alice@acme.test",
        "user.invited",
        "erin@acme.test",
    ) in await audit_actions(fresh_db)
    assert ("erin@acme.test", "invite.accepted", "erin@acme.test") in await audit_actions(fresh_db)


async def test_an_invite_without_the_form_token_is_refused_and_adds_nobody(
    app: FastAPI, people: People
) -> None:
    async with browser_as(app, people.alice.email) as alice:
        forged = await alice.post(
            "/admin/users/invite", data={"email": "mallory@acme.test"}, headers=BROWSER
        )
        assert forged.status_code == 403
        assert "mallory" not in (await alice.get("/admin/users")).text


async def test_inviting_an_email_already_in_the_org_says_so(app: FastAPI, people: People) -> None:
    async with browser_as(app, people.alice.email) as alice:
        again = await post_form(
            alice, "/admin/users/invite", {"email": people.bob.email}, page="/admin/users"
        )
        assert again.status_code == 400
        assert "already in the org" in again.text


async def test_a_member_made_admin_opens_the_admin_pages_and_a_disabled_one_is_signed_out(
    app: FastAPI, people: People
) -> None:
    bob_page = f"/admin/users/{usr(people.bob.user_id)}"
    async with (
        browser_as(app, people.alice.email) as alice,
        browser_as(app, people.bob.email) as bob,
    ):
        # given bob, a member, is refused the admin pages
        assert (await bob.get("/admin/users", headers=BROWSER)).status_code == 403
        # when alice makes him an admin, then he may open them
        made = await post_form(alice, bob_page + "/role", {"role": "admin"}, page=bob_page)
        assert made.status_code == 303
        assert (await bob.get("/admin/users")).status_code == 200
        # when alice disables him, then his session ends at once
        off = await post_form(alice, bob_page + "/active", {"active": "false"}, page=bob_page)
        assert off.status_code == 303
        gone = await bob.get("/admin/users")
        assert gone.status_code == 303
        assert gone.headers["location"].startswith("/sign-in")
        assert "disabled" in (await alice.get(bob_page)).text


async def test_the_last_admin_cannot_demote_or_disable_themselves(
    app: FastAPI, people: People
) -> None:
    mine = f"/admin/users/{usr(people.alice.user_id)}"
    async with browser_as(app, people.alice.email) as alice:
        demoted = await post_form(alice, mine + "/role", {"role": "member"}, page=mine)
        assert demoted.status_code == 400
        assert "without an active admin" in demoted.text
        disabled = await post_form(alice, mine + "/active", {"active": "false"}, page=mine)
        assert disabled.status_code == 400
        assert (await alice.get("/admin/users")).status_code == 200


async def test_a_reset_link_sets_a_new_password_and_ends_the_old_sessions(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    carol_page = f"/admin/users/{usr(people.carol.user_id)}"
    async with (
        browser_as(app, people.alice.email) as alice,
        browser_as(app, people.carol.email) as carol,
    ):
        # given the admin makes carol a reset link
        shown = await post_form(alice, carol_page + "/reset", {}, page=carol_page)
        assert shown.status_code == 200
        assert "Password reset link" in shown.text
        link = link_on(shown.text)
        # when carol uses it
        async with client_for(app) as visitor:
            form = await visitor.get(link)
            done = await visitor.post(
                "/account/set-password",
                data={
                    "t": link.split("t=", 1)[1],
                    "new_password": NEW_PASSWORD,
                    "confirm_password": NEW_PASSWORD,
                    "csrf_token": csrf_of(form.text),
                },
            )
            assert done.status_code == 303
            # then the old password no longer works, the new one does
            assert (await sign_in(visitor, people.carol.email, PASSWORD)).status_code == 401
            assert (await sign_in(visitor, people.carol.email, NEW_PASSWORD)).status_code == 303
        # and the session she had before is over
        assert (await carol.get("/admin/settings/connections")).status_code == 303
    actions = await audit_actions(fresh_db)
    assert ("alice@acme.test", "reset.link_issued", "carol@acme.test") in actions
    assert ("carol@acme.test", "password.reset_by_link", "carol@acme.test") in actions


async def test_sign_out_everywhere_ends_that_persons_sessions_only(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    carol_page = f"/admin/users/{usr(people.carol.user_id)}"
    async with (
        browser_as(app, people.alice.email) as alice,
        browser_as(app, people.carol.email) as carol,
        browser_as(app, people.bob.email) as bob,
    ):
        ended = await post_form(alice, carol_page + "/sign-out", {}, page=carol_page)
        assert ended.status_code == 303
        assert "n=signed-out" in ended.headers["location"]
        assert (await carol.get("/admin/settings/connections")).status_code == 303
        assert (await bob.get("/admin/settings/connections")).status_code == 200
        assert (await alice.get("/admin/users")).status_code == 200
    assert ("alice@acme.test", "user.signed_out", "carol@acme.test") in await audit_actions(
        fresh_db
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/users"),
        ("GET", "/admin/users/{bob}"),
        ("GET", "/admin/teams"),
        ("GET", "/admin/settings/org"),
        ("POST", "/admin/users/invite"),
        ("POST", "/admin/users/{carol}/role"),
        ("POST", "/admin/users/{carol}/reset"),
        ("POST", "/admin/teams"),
        ("POST", "/admin/settings/org"),
    ],
)
async def test_a_member_gets_the_403_page_on_every_admin_page_and_action(
    app: FastAPI, people: People, method: str, path: str
) -> None:
    url = path.format(bob=usr(people.bob.user_id), carol=usr(people.carol.user_id))
    async with browser_as(app, people.bob.email) as bob:
        if method == "GET":
            answer = await bob.get(url, headers=BROWSER)
        else:
            answer = await post_form(bob, url, {"role": "admin", "name": "x", "email": "x@y.z"})
        assert answer.status_code == 403
        assert answer.headers["content-type"].startswith("text/html")
        assert "Sign out" in answer.text  # the signed-in header


@pytest.mark.parametrize("action", ["", "/role", "/active", "/reset", "/sign-out"])
async def test_another_orgs_person_is_not_found_for_an_admin(
    app: FastAPI, people: People, fresh_db: Database, action: str
) -> None:
    dave = f"/admin/users/{usr(people.dave.user_id)}"
    async with browser_as(app, people.alice.email) as alice:
        if action:
            answer = await post_form(alice, dave + action, {"role": "member", "active": "false"})
        else:
            answer = await alice.get(dave, headers=BROWSER)
        assert answer.status_code == 404
    async with browser_as(app, people.dave.email) as dave_browser:
        assert (await dave_browser.get("/admin/users")).status_code == 200  # still an admin
    assert await audit_actions(fresh_db) == []


async def test_forgot_password_answers_the_same_whether_the_email_exists_or_not(
    app: FastAPI, people: People
) -> None:
    answers = []
    for email in (people.bob.email, "nobody-here@acme.test"):
        async with client_for(app) as visitor:
            form = await visitor.get("/sign-in/forgot")
            answer = await visitor.post(
                "/sign-in/forgot", data={"email": email, "csrf_token": csrf_of(form.text)}
            )
            assert answer.status_code == 200
            answers.append(answer.text)
    assert answers[0] == answers[1]
    assert "Ask your AccountLens admin" in answers[0]


async def test_the_sign_in_page_links_to_forgot_password(client: httpx.AsyncClient) -> None:
    assert 'href="/sign-in/forgot"' in (await client.get("/sign-in")).text
