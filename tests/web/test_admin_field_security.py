"""Admin → Field security: an admin hides a field from members in a plain form, and shows it
again; members cannot open the page; each change is in the admin audit."""

from __future__ import annotations

from fastapi import FastAPI

from accountlens.db.engine import Database
from tests.auth.helpers import People
from tests.web.admin_helpers import browser_as, post_form
from tests.web.test_admin_people import audit_actions

PAGE = "/admin/settings/fields"


def members_column(html: str, key: str) -> str:
    """The "Members" cell of the row whose key is ``key``."""
    row = html.split(f"<code>{key}</code>", 1)[1].split("</tr>", 1)[0]
    return "hidden" if "<strong>hidden</strong>" in row else "visible"


async def test_an_admin_hides_a_field_from_members_and_shows_it_again(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    async with browser_as(app, people.alice.email) as alice:
        # given the page lists the account fields, ARR visible to members
        page = await alice.get(PAGE)
        assert page.status_code == 200
        assert members_column(page.text, "arr_amount") == "visible"
        # when the admin hides it, then the page says so
        hide = {"object_type": "account", "field": "arr_amount", "hidden": "true"}
        hidden = await post_form(alice, PAGE, hide, page=PAGE)
        assert hidden.status_code == 303
        assert members_column((await alice.get(PAGE)).text, "arr_amount") == "hidden"
        # when she shows it again, then it is visible
        shown = await post_form(alice, PAGE, {**hide, "hidden": "false"}, page=PAGE)
        assert shown.status_code == 303
        assert members_column((await alice.get(PAGE)).text, "arr_amount") == "visible"
    # and both changes are audited
    actions = [a for a in await audit_actions(fresh_db) if a[1].startswith("field.")]
    assert actions == [
        (people.alice.email, "field.hidden", "account.arr_amount"),
        (people.alice.email, "field.shown", "account.arr_amount"),
    ]


async def test_a_member_cannot_open_or_post_the_field_security_page(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    async with browser_as(app, people.bob.email) as bob:
        page = await bob.get(PAGE)
        posted = await post_form(
            bob, PAGE, {"object_type": "account", "field": "arr_amount", "hidden": "true"}
        )
    assert page.status_code == 403
    assert posted.status_code == 403
    assert await audit_actions(fresh_db) == []
