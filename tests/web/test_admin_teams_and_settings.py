"""Admin → Teams and Org settings: no-JS forms through GraphQL, each action audited; the
token lifetime ceiling bounds the tokens issued afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from accountlens.db.engine import Database
from accountlens.schema.ids import encode_id
from tests.auth.helpers import People, client_for, connect
from tests.factories import create_account, create_team
from tests.web.admin_helpers import BROWSER, browser_as, post_form
from tests.web.test_admin_people import audit_actions, usr

SETTINGS = "/admin/settings/org"


async def save_settings(
    browser: httpx.AsyncClient, visibility: str, timezone: str, lifetime_days: str
) -> httpx.Response:
    """Submit the org settings form with these values."""
    values = {
        "account_visibility": visibility,
        "timezone": timezone,
        "token_lifetime_days": lifetime_days,
    }
    return await post_form(browser, SETTINGS, values, page=SETTINGS)


async def test_an_admin_creates_renames_fills_and_deletes_a_team(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    async with browser_as(app, people.alice.email) as alice:
        # when the admin creates a team, the browser lands on its page
        made = await post_form(
            alice, "/admin/teams", {"name": "  Enterprise  "}, page="/admin/teams"
        )
        assert made.status_code == 303
        team_page = made.headers["location"].split("?")[0]
        # and adds bob, renames it
        added = await post_form(
            alice, team_page + "/members", {"user_id": usr(people.bob.user_id)}, page=team_page
        )
        assert added.status_code == 303
        renamed = await post_form(
            alice, team_page + "/rename", {"name": "Strategic"}, page=team_page
        )
        assert renamed.status_code == 303
        page = await alice.get(team_page)
        assert "<h1>Strategic</h1>" in page.text
        members = page.text.split('class="plain members"', 1)[1].split("</ul>", 1)[0]
        assert people.bob.email in members
        people_page = await alice.get("/admin/users")
        assert "Strategic" in people_page.text
        # when bob is removed and the team deleted
        removed = await post_form(
            alice,
            team_page + "/members/remove",
            {"user_id": usr(people.bob.user_id)},
            page=team_page,
        )
        assert removed.status_code == 303
        assert "No members." in (await alice.get(team_page)).text
        deleted = await post_form(alice, team_page + "/delete", {}, page=team_page)
        assert deleted.status_code == 303
        # then it is gone
        assert (await alice.get(team_page, headers=BROWSER)).status_code == 404
        assert "Strategic" not in (await alice.get("/admin/teams")).text
    actions = [a for _, a, _ in await audit_actions(fresh_db)]
    assert actions == [
        "team.created",
        "team.member_added",
        "team.renamed",
        "team.member_removed",
        "team.deleted",
    ]


async def test_a_duplicate_team_name_is_refused_with_a_message(
    app: FastAPI, people: People
) -> None:
    async with browser_as(app, people.alice.email) as alice:
        await post_form(alice, "/admin/teams", {"name": "Growth"}, page="/admin/teams")
        again = await post_form(alice, "/admin/teams", {"name": "Growth"}, page="/admin/teams")
        assert again.status_code == 400
        assert "exists" in again.text


async def test_another_orgs_team_is_not_found_and_cannot_be_changed(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    theirs = await create_team(fresh_db, people.dave.org_id, name="Globex Sales")
    page = f"/admin/teams/{encode_id('team', theirs)}"
    async with browser_as(app, people.alice.email) as alice:
        assert (await alice.get(page, headers=BROWSER)).status_code == 404
        for action, data in (
            ("/rename", {"name": "Taken over"}),
            ("/delete", {}),
            ("/members", {"user_id": usr(people.bob.user_id)}),
        ):
            assert (await post_form(alice, page + action, data)).status_code == 404
    async with fresh_db.engine.connect() as conn:
        assert await conn.scalar(text("SELECT name FROM teams WHERE id = :i"), {"i": theirs}) == (
            "Globex Sales"
        )


async def test_org_settings_change_visibility_time_zone_and_token_ceiling(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    async with browser_as(app, people.alice.email) as alice:
        saved = await save_settings(alice, "open", "Europe/Berlin", "7")
        assert saved.status_code == 303
        page = await alice.get(SETTINGS)
        assert 'value="Europe/Berlin"' in page.text
        assert 'value="7"' in page.text
        assert "org.settings_changed" in page.text  # the admin audit log, on the same page
    async with fresh_db.engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT account_visibility, timezone, token_lifetime_days FROM orgs "
                    "WHERE id = :i"
                ),
                {"i": people.alice.org_id},
            )
        ).one()
    assert tuple(row) == ("open", "Europe/Berlin", 7)


async def test_a_made_up_time_zone_is_refused_and_nothing_changes(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    async with browser_as(app, people.alice.email) as alice:
        refused = await save_settings(alice, "open", "Mars/Olympus", "")
        assert refused.status_code == 400
        assert "IANA" in refused.text
        too_long = await save_settings(alice, "open", "UTC", "9999")
        assert too_long.status_code == 400
    async with fresh_db.engine.connect() as conn:
        visibility = await conn.scalar(
            text("SELECT account_visibility FROM orgs WHERE id = :i"), {"i": people.alice.org_id}
        )
    assert visibility == "restricted"
    assert await audit_actions(fresh_db) == []


async def test_tokens_issued_after_a_ceiling_is_set_expire_within_it(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    # given the org's ceiling is 7 days (the deployment's lifetime is 90)
    async with browser_as(app, people.alice.email) as alice:
        saved = await save_settings(alice, "restricted", "UTC", "7")
        assert saved.status_code == 303
    # when a member connects a client
    async with client_for(app) as bob:
        await connect(bob, people.bob.email)
    # then the connection expires in 7 days, not 90
    async with fresh_db.engine.connect() as conn:
        expires = await conn.scalar(
            text("SELECT expires_at FROM connections WHERE user_id = :u"), {"u": people.bob.user_id}
        )
    assert expires is not None
    assert expires - datetime.now(UTC) < timedelta(days=7, minutes=1)
    assert expires - datetime.now(UTC) > timedelta(days=6, hours=23)


async def test_deleting_a_team_that_owns_accounts_leaves_them_without_a_team(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    # given a team of acme that owns an account
    team = await create_team(fresh_db, people.alice.org_id, name="Enterprise")
    account = await create_account(fresh_db, people.alice.org_id, "Initech", team=team)
    page = f"/admin/teams/{encode_id('team', team)}"
    # when the admin deletes the team
    async with browser_as(app, people.alice.email) as alice:
        deleted = await post_form(alice, page + "/delete", {}, page=page)
        assert deleted.status_code == 303
    # then the team is gone and the account stays, with no team
    async with fresh_db.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM teams WHERE id = :t"), {"t": team}) == 0
        left = await conn.scalar(text("SELECT team_id FROM accounts WHERE id = :a"), {"a": account})
    assert left is None
