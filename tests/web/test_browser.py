"""Acceptance 3, in real headless Chromium: consent, the connections page, Revoke, framing.

Screenshots of the consent, connections, workspace-chooser and not-found pages go to
``$ACCOUNTLENS_TEST_OUTPUT/screenshots`` (default ``/tmp/accountlens-test-output``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Route, ViewportSize
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route as StarletteRoute

from accountlens.auth import users
from accountlens.db.engine import Database
from tests.auth.helpers import PASSWORD, REDIRECT_URI, People, build_app, pkce, query_of
from tests.auth.live import free_port, serve

SCREENSHOTS = Path(os.environ.get("ACCOUNTLENS_TEST_OUTPUT", "/tmp/accountlens-test-output")) / (
    "screenshots"
)


@pytest_asyncio.fixture(loop_scope="session")
async def live(fresh_db: Database, people: People) -> AsyncIterator[str]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    async with serve(build_app(fresh_db, base_url), port):
        yield base_url


async def authorize_url(base_url: str, challenge: str) -> tuple[str, str]:
    async with httpx.AsyncClient(base_url=base_url) as http:
        registered = await http.post(
            "/oauth/register",
            json={"client_name": "Chromium Test Client", "redirect_uris": [REDIRECT_URI]},
        )
    client_id = registered.json()["client_id"]
    params = httpx.QueryParams(
        response_type="code",
        client_id=client_id,
        redirect_uri=REDIRECT_URI,
        state="browser-state",
        scope="read",
        resource=f"{base_url}/mcp",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    return client_id, f"{base_url}/oauth/authorize?{params}"


async def test_sign_in_authorize_see_the_connection_and_revoke_it_in_place(
    browser: Browser, live: str, people: People
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    verifier, challenge = pkce()
    client_id, url = await authorize_url(live, challenge)
    page = await browser.new_page()
    callbacks: list[str] = []

    async def capture_callback(route: Route) -> None:
        callbacks.append(route.request.url)
        await route.fulfill(status=200, body="You can close this window.")

    await page.route("http://127.0.0.1:33418/**", capture_callback)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # sign in, then the consent page
    await page.goto(url)
    await page.fill("input[name=email]", people.bob.email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=Allow read-only access")
    assert await page.text_content("dd.client") == "Chromium Test Client"
    assert await page.text_content("dd.redirect-host") == "127.0.0.1:33418"
    await page.screenshot(path=str(SCREENSHOTS / "consent.png"), full_page=True)
    await page.click("button[value=approve]")
    await page.wait_for_function("() => document.body.innerText.includes('close this window')")
    answer = query_of(callbacks[0])
    assert answer["state"] == "browser-state"

    # the client exchanges the code
    async with httpx.AsyncClient(base_url=live) as http:
        issued = await http.post(
            "/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": answer["code"],
                "redirect_uri": REDIRECT_URI,
                "client_id": client_id,
                "code_verifier": verifier,
                "resource": f"{live}/mcp",
            },
        )
        token = issued.json()["access_token"]
        bearer = {"Authorization": f"Bearer {token}"}
        assert (await http.get("/mcp/", headers=bearer)).status_code == 200

        # the connection is listed with the right columns
        await page.goto(f"{live}/admin/settings/connections")
        headers = await page.locator("table.connections th").all_text_contents()
        assert headers[:5] == ["Client", "Key owner", "Created", "Last used", "Expires"]
        row = page.locator("table.connections tbody tr")
        assert await row.count() == 1
        cells = await row.first.locator("td").all_text_contents()
        # the client cell names the client (a link to its page), then its ID and redirect host
        assert await row.first.locator("td a").first.text_content() == "Chromium Test Client"
        assert "127.0.0.1:33418" in cells[0]
        assert "Bob" in cells[1]
        assert cells[3] != "never"  # the call above was recorded
        await page.screenshot(path=str(SCREENSHOTS / "connections.png"), full_page=True)

        # Revoke removes the row in place (htmx, no navigation) and the token stops working
        page.on("dialog", lambda dialog: dialog.accept())
        url_before = page.url
        await page.click("button.danger")
        await row.first.wait_for(state="detached")
        assert page.url == url_before
        refused = await http.get("/mcp/", headers=bearer)
        assert refused.status_code == 401
    assert not [e for e in errors if "Content Security Policy" in e]
    await page.close()


async def test_the_consent_page_refuses_to_render_inside_a_frame(
    browser: Browser, live: str, people: People
) -> None:
    # given a signed-in user and a hostile page on another origin that frames the consent page
    _, challenge = pkce()
    _, url = await authorize_url(live, challenge)
    attacker_port = free_port()

    async def hostile(_: object) -> HTMLResponse:
        return HTMLResponse(
            f'<html><body><h1>Win a prize</h1><iframe src="{url}"></iframe></body></html>'
        )

    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(url)
    await page.fill("input[name=email]", people.bob.email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=Allow read-only access")
    async with serve(Starlette(routes=[StarletteRoute("/", hostile)]), attacker_port):
        # when the hostile page loads
        await page.goto(f"http://127.0.0.1:{attacker_port}/")
        await page.wait_for_timeout(1000)
        # then the frame holds no consent page and no Allow button
        framed = [f for f in page.frames if f != page.main_frame]
        assert framed, "the iframe element should exist"
        for frame in framed:
            assert await frame.locator("button[value=approve]").count() == 0
            assert "read-only access" not in (await frame.content())
    await context.close()


@pytest.mark.parametrize("path", ["/sign-in"])
async def test_pages_load_htmx_from_our_origin_without_csp_violations(
    browser: Browser, live: str, path: str
) -> None:
    page = await browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await page.goto(live + path)
    assert await page.evaluate("() => typeof window.htmx") == "object"
    assert errors == []
    await page.close()


async def test_a_person_in_two_orgs_picks_the_workspace_and_sign_out_ends_it(
    browser: Browser, live: str, people: People, fresh_db: Database
) -> None:
    # given alice has an account in Globex too, with the same password
    async with fresh_db.sessions() as session:
        await users.create_user(session, "globex", people.alice.email, "Alice", PASSWORD, "member")
        await session.commit()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context()
    page = await context.new_page()
    # when she signs in, she picks the workspace
    await page.goto(f"{live}/sign-in")
    await page.fill("input[name=email]", people.alice.email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=Choose a workspace")
    names = await page.locator("button.workspace").all_text_contents()
    assert [name.split("Alice")[0].strip() for name in names] == ["Acme Corp", "Globex"]
    # and the chooser fits a phone and a desktop and passes axe, as every page of the tour
    from tests.web.test_pages_in_chromium import DESKTOP, PHONE, check_page  # imports this file

    for size in (DESKTOP, PHONE):
        await page.set_viewport_size(ViewportSize(width=size["width"], height=size["height"]))
        await check_page(page, "workspace-chooser")
    await page.click("button.workspace:has-text('Globex')")
    await page.wait_for_selector("text=Sign out")
    assert "Globex" in (await page.text_content("span.who") or "")
    # then an unknown page is our error page, still signed in
    missing = await page.goto(f"{live}/nope")
    assert missing is not None
    assert missing.status == 404
    assert await page.locator("form.signout").count() == 1
    await page.screenshot(path=str(SCREENSHOTS / "not-found.png"), full_page=True)
    # and after sign-out the cookie she had opens nothing, even put back by hand
    saved = await context.cookies()
    await page.click("button:has-text('Sign out')")
    await page.wait_for_selector("input[name=password]")
    await context.add_cookies(saved)  # type: ignore[arg-type]
    await page.goto(f"{live}/admin/settings/connections")
    assert "/sign-in" in page.url
    await context.close()
