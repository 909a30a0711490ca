"""Every page in real headless Chromium over the demo workspace: the GraphQL explorer runs a
query, and (acceptance of issue 16) pages fit a phone, pass axe-core and are screenshotted.

One browser and one signed-in context serve the whole module; screenshots go to
``$ACCOUNTLENS_TEST_OUTPUT/screenshots`` (default ``/tmp/accountlens-test-output``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from sqlalchemy.ext.asyncio import AsyncEngine

from accountlens.app import create_app
from accountlens.db.embedded import EmbeddedServer
from accountlens.db.engine import Database
from tests.auth.helpers import settings_for
from tests.auth.live import free_port
from tests.conftest import demo_copy
from tests.mcp.live import PASSWORDS, serve_with_lifespan
from tests.schema.demo import DEMO_USERS
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS

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


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


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
    await page.close()
