"""One headless Chromium for the whole session: every browser test opens its own context in it.

Launching Chromium costs about a second of both cores; a context is as isolated as a new
browser for what these tests look at (cookies, storage, viewport, routes) and costs a few
milliseconds. Tests close the contexts and pages they open.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import Browser, async_playwright

#: The distribution's Chromium (dev.py installs it), never a downloaded browser build.
CHROMIUM = os.environ.get("ACCOUNTLENS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()
