"""Every page in real headless Chromium over the demo workspace: the GraphQL explorer runs a
query, and (acceptance of issue 16) pages fit a phone, pass axe-core and are screenshotted.

The session's browser (``tests/web/conftest.py``) and one signed-in context serve the whole
module; screenshots go to ``$ACCOUNTLENS_TEST_OUTPUT/screenshots`` (default
``/tmp/accountlens-test-output``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator
from functools import cache
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import (
    Browser,
    BrowserContext,
    Page,
    Route,
    ViewportSize,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from accountlens.app import create_app
from accountlens.db.embedded import EmbeddedServer
from accountlens.db.engine import Database
from tests.auth.helpers import (
    REDIRECT_URI,
    authorize_params,
    exchange,
    pkce,
    query_of,
    settings_for,
)
from tests.auth.live import free_port
from tests.conftest import demo_copy
from tests.mcp.live import PASSWORDS, serve_with_lifespan
from tests.schema.demo import DEMO_USERS
from tests.tools.npm import ensure_packages

COPY = "al_web_pages"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def tour_db(
    pg_server: EmbeddedServer, admin_engine: AsyncEngine, demo_db: Database
) -> AsyncIterator[Database]:
    """A writable copy of the demo workspace (signing in writes sessions and connections)."""
    async with demo_copy(pg_server, admin_engine, demo_db, COPY) as db:
        yield db


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def site(tour_db: Database) -> AsyncIterator[str]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    async with serve_with_lifespan(create_app(settings_for(base_url), database=tour_db), port):
        yield base_url


async def sign_in(page: Page, base_url: str, label: str) -> None:
    role = "admin" if "admin" in label else "member"
    await page.goto(f"{base_url}/sign-in")
    await page.fill("input[name=email]", DEMO_USERS[label])
    await page.fill("input[name=password]", PASSWORDS[role])
    await page.click("button[type=submit]")
    await page.wait_for_selector("form.signout")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def admin(browser: Browser, site: str) -> AsyncIterator[BrowserContext]:
    """The restricted org's admin, signed in once for the module."""
    context = await browser.new_context()
    page = await context.new_page()
    await sign_in(page, site, "restricted admin")
    await page.close()
    yield context
    await context.close()


async def test_the_graphql_explorer_runs_a_query_with_the_browser_session_offline(
    admin: BrowserContext, site: str
) -> None:
    # given a signed-in browser that may reach nothing but our own origin
    page = await admin.new_page()
    foreign: list[str] = []

    async def refuse_foreign(route: object) -> None:
        foreign.append(route.request.url)  # type: ignore[attr-defined]  # playwright Route
        await route.abort()  # type: ignore[attr-defined]

    await page.route(lambda url: not url.startswith(site), refuse_foreign)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    # when it opens /graphql and runs the example query
    await page.goto(f"{site}/graphql")
    await page.wait_for_selector(".graphiql-container .CodeMirror", timeout=15000)
    await page.click(".graphiql-execute-button")
    result = page.locator(".result-window")
    await result.locator("text=displayName").wait_for(timeout=15000)
    # then the answer is the signed-in admin's, and nothing was blocked or fetched elsewhere
    text = await result.inner_text()
    assert '"role": "admin"' in text
    assert foreign == []
    assert errors == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "graphiql-query-desktop.png"))
    await page.close()


# --- Issue 16 item 10: every page fits 390 px, passes axe-core, and is screenshotted ---------

AXE_VERSION = "4.10.3"
SCREENSHOTS = Path(os.environ.get("ACCOUNTLENS_TEST_OUTPUT", "/tmp/accountlens-test-output")) / (
    "screenshots"
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
IDS = """
query TourIds($transcript: [FilterInput!], $article: [FilterInput!]) {
  accounts(first: 1) { nodes { id } }
  people(first: 1) { nodes { id } }
  opportunities(first: 1) { nodes { id } }
  tasks(first: 1) { nodes { id } }
  activities(first: 1) { nodes { id } }
  projects(first: 1) { nodes { id } }
  tickets(first: 1) { nodes { id } }
  groups(first: 1) { nodes { id } }
  transcript: documents(first: 1, filter: $transcript) { nodes { id } }
  article: documents(first: 1, filter: $article) { nodes { id } }
}
"""


def axe_script() -> Path:
    """axe-core from npm, installed once into the npm cache (``tests/tools/npm.py``)."""
    return ensure_packages(f"axe-core@{AXE_VERSION}") / "node_modules" / "axe-core" / "axe.min.js"


@cache
def axe_source() -> str:
    return axe_script().read_text() + "\n;typeof axe"


async def record_ids(context: BrowserContext, base_url: str) -> dict[str, str]:
    """One record of each type the admin sees, read through /graphql with the browser session."""
    kind = [{"field": "kind", "op": "EQ", "value": "transcript"}]
    article = [{"field": "kind", "op": "EQ", "value": "kb_article"}]
    answer = await context.request.post(
        f"{base_url}/graphql",
        data=json.dumps({"query": IDS, "variables": {"transcript": kind, "article": article}}),
        headers={"Content-Type": "application/json"},
    )
    body = await answer.json()
    assert "errors" not in body, body
    return {name: found["nodes"][0]["id"] for name, found in body["data"].items()}


async def commented_task(context: BrowserContext, base_url: str) -> str:
    """A task with comments (its page shows them)."""
    query = "{ tasks(first: 100) { nodes { id comments(first: 1) { id } } } }"
    answer = await context.request.post(
        f"{base_url}/graphql",
        data=json.dumps({"query": query}),
        headers={"Content-Type": "application/json"},
    )
    tasks = (await answer.json())["data"]["tasks"]["nodes"]
    return str(next(t["id"] for t in tasks if t["comments"]))


async def check_page(page: Page, name: str) -> None:
    """No sideways scrolling at this width, no serious or critical axe violation, a screenshot."""
    # After a form submission the new document's elements exist before its stylesheet has
    # loaded; measured then, an unstyled long link overflows (seen once under load: 80 px).
    await page.wait_for_load_state("load")
    overflow = await page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} overflows by {overflow}px at {page.viewport_size}"
    # Evaluated through DevTools rather than add_script_tag: a page <script> would be refused by
    # our CSP (rightly), and bypassing the CSP would hide the pages' own violations.
    await page.evaluate(axe_source())
    violations = await page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')))"""
    )
    assert violations == [], f"{name}: {violations}"
    width = "phone" if (page.viewport_size or DESKTOP)["width"] == PHONE["width"] else "desktop"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)


async def consent_url(base_url: str) -> tuple[str, str, str]:
    """(authorize URL, client ID, PKCE verifier) for a freshly registered client."""
    async with httpx.AsyncClient(base_url=base_url) as http:
        registered = await http.post(
            "/oauth/register",
            json={"client_name": "Tour Client", "redirect_uris": [REDIRECT_URI]},
        )
    verifier, challenge = pkce()
    client_id = registered.json()["client_id"]
    params = httpx.QueryParams(authorize_params(client_id, challenge, resource=f"{base_url}/mcp"))
    return f"{base_url}/oauth/authorize?{params}", client_id, verifier


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
async def test_every_page_fits_the_screen_and_passes_axe_in_light_and_dark(
    browser: Browser, admin: BrowserContext, site: str, tour_db: Database, viewport: ViewportSize
) -> None:
    # given the signed-in admin with one connection, and records of every type
    ids = await record_ids(admin, site)
    page = await admin.new_page()
    await page.set_viewport_size(viewport)

    # the consent page, then a connection from approving it
    codes: list[str] = []

    async def callback(route: Route) -> None:
        codes.append(query_of(route.request.url)["code"])
        await route.fulfill(status=200, body="You can close this window.")

    await page.route("http://127.0.0.1:33418/**", callback)
    url, client_id, verifier = await consent_url(site)
    await page.goto(url)
    await check_page(page, "consent")
    await page.click("details.narrowing summary")  # the narrowing choices, opened
    await check_page(page, "consent-narrowing")
    await page.click("button[value=approve]")
    await page.wait_for_function("() => document.body.innerText.includes('close this window')")
    async with httpx.AsyncClient(base_url=site) as http:
        issued = await exchange(http, client_id, codes[0], verifier, resource=f"{site}/mcp")
        assert issued.status_code == 200, issued.text
    pages = {
        "home": "/",
        "connections": "/admin/settings/connections",
        "password": "/account/password",
        "not-found": "/nope",
        **{f"record-{name}": f"/records/{record_id}" for name, record_id in ids.items()},
        "record-task-with-comments": f"/records/{await commented_task(admin, site)}",
    }
    for name, path in pages.items():
        await page.goto(site + path)
        await check_page(page, name)
    # the connection's own page and its Revoke confirmation
    await page.goto(site + "/admin/settings/connections")
    await page.click("table.connections tbody tr a")
    await check_page(page, "connection-detail")
    await page.goto(page.url + "/revoke")
    await check_page(page, "revoke-confirm")
    # a service token for an internal app, shown once
    await page.goto(site + "/admin/settings/connections")
    await page.fill("#token-name", "Tour app")
    await page.click("form.new-token button[type=submit]")
    await page.wait_for_selector("#service-token")
    await check_page(page, "service-token")
    # the admin pages: people, a person, teams, a team, org settings, the activity audit
    for name, path in {
        "admin-people": "/admin/users",
        "admin-teams": "/admin/teams",
        "admin-settings": "/admin/settings/org",
        "admin-field-security": "/admin/settings/fields",
        "activity": "/activity",
    }.items():
        await page.goto(site + path)
        await check_page(page, name)
    for name, listing, link in (
        ("admin-person", "/admin/users", "table.people tbody tr a"),
        ("admin-team", "/admin/teams", "ul.teams a"),
    ):
        await page.goto(site + listing)
        await page.goto(site + str(await page.get_attribute(link, "href")))
        await check_page(page, name)
    # an invite, whose link page the admin hands over
    await page.goto(site + "/admin/users")
    await page.fill("input[name=email]", f"tour-{viewport['width']}@example.test")
    await page.click("form[action='/admin/users/invite'] button[type=submit]")
    await page.wait_for_selector("#account-link")
    await check_page(page, "admin-invite-link")
    invite = (await page.inner_text("#account-link")).strip()
    # and in dark mode, the connections and people pages too
    await page.emulate_media(color_scheme="dark")
    await page.goto(site + "/admin/settings/connections")
    await check_page(page, "connections-dark")
    await page.goto(site + "/admin/users")
    await check_page(page, "admin-people-dark")
    await page.close()

    # signed out: sign-in, the workspace chooser of a person in two orgs, an error page
    anonymous = await browser.new_context(viewport=viewport)
    visitor = await anonymous.new_page()
    await visitor.goto(f"{site}/sign-in")
    await check_page(visitor, "sign-in")
    await visitor.fill("input[name=email]", DEMO_USERS["restricted admin"])
    await visitor.fill("input[name=password]", "wrong password for the tour")
    await visitor.click("button[type=submit]")
    await check_page(visitor, "sign-in-failed")
    # single sign-on: a domain without it stays on the sign-in page; a stale return, a page
    await visitor.fill("input[name=email]", "someone@no-sso.example")
    await visitor.click("button[formaction='/sign-in/sso']")
    await check_page(visitor, "sign-in-sso-not-set-up")
    await visitor.goto(f"{site}/sign-in/sso/callback?state=stale")
    await check_page(visitor, "sso-refused")
    await visitor.goto(f"{site}/sign-in/forgot")
    await check_page(visitor, "forgot-password")
    await visitor.goto(invite)
    await check_page(visitor, "set-password")
    await anonymous.close()
    # and a member, refused the admin pages, gets the 403 page with the signed-in header
    member = await browser.new_context(viewport=viewport)
    refused = await member.new_page()
    await sign_in(refused, site, "team member")
    answer = await refused.goto(f"{site}/admin/users")
    assert answer is not None
    assert answer.status == 403
    await check_page(refused, "admin-forbidden")
    await refused.goto(f"{site}/activity")
    await check_page(refused, "activity-member")
    await member.close()


async def test_a_transcript_link_with_t_seconds_highlights_the_turn_covering_that_second(
    admin: BrowserContext, site: str
) -> None:
    # given a transcript's page and a second inside its third turn
    ids = await record_ids(admin, site)
    page = await admin.new_page()
    await page.goto(f"{site}/records/{ids['transcript']}")
    starts = [int(s) for s in await page.locator("ol.turns > li").evaluate_all(
        "turns => turns.map(t => t.dataset.start)"
    )]  # fmt: skip
    assert len(starts) >= 3
    inside = starts[2] + (starts[3] - starts[2]) // 2 if len(starts) > 3 else starts[2]
    # when the deep link for that second opens
    await page.goto(f"{site}/records/{ids['transcript']}#t={inside}")
    await page.reload()
    current = page.locator("ol.turns > li.current")
    await current.wait_for()
    # then exactly that turn is highlighted and in view, its time shown as the tools show it
    assert await current.count() == 1
    assert await current.get_attribute("data-start") == str(starts[2])
    assert await current.is_visible()
    stamp = await current.locator(".stamp").inner_text()
    minutes, seconds = divmod(starts[2], 60)
    assert stamp == f"{minutes}:{seconds:02}"
    assert "[00:" not in await page.inner_text("main")
    await page.close()


async def test_record_pages_show_money_and_dates_formatted_not_raw(
    admin: BrowserContext, site: str
) -> None:
    ids = await record_ids(admin, site)
    account = await (await admin.request.get(f"{site}/records/{ids['accounts']}")).text()
    deal = await (await admin.request.get(f"{site}/records/{ids['opportunities']}")).text()
    for html in (account, deal):
        cells = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        assert not re.search(r"\d{4}-\d{2}-\d{2}", cells), "raw ISO date on the page"
        assert not re.search(r"\d\.\d{2} USD", cells), "raw money on the page"
    assert re.search(r"\$\d{1,3}(,\d{3})*", account + deal)
