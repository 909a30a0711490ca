"""The deep links the tools hand out open record pages with the same visibility as the tools."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from tests.auth.helpers import sign_in
from tests.mcp.conftest import Live
from tests.mcp.live import PASSWORDS, call
from tests.schema.demo import DEMO_USERS


@asynccontextmanager
async def browser_for(live: Live, label: str) -> AsyncIterator[httpx.AsyncClient]:
    """A signed-in browser session of the demo user ``label``."""
    role = "admin" if "admin" in label else "member"
    async with httpx.AsyncClient(base_url=live.base_url) as browser:
        await sign_in(browser, DEMO_USERS[label], PASSWORDS[role])
        yield browser


@pytest.mark.parametrize("object_type", ["account", "person", "opportunity", "ticket", "task"])
async def test_a_records_url_opens_its_page_for_the_user_who_got_it(
    live: Live, object_type: str
) -> None:
    persona = await live.persona("narrow member")
    async with persona.client() as client:
        answer = await call(client, "list_objects", {"object_type": object_type, "limit": 1})
    (record,) = answer["records"]
    async with browser_for(live, "narrow member") as browser:
        page = await browser.get(record["url"].removeprefix(live.base_url))
    assert page.status_code == 200
    assert record["name"].replace("'", "&#39;").replace("&", "&amp;")[:20] in page.text
    assert record["id"] in page.text


async def test_a_transcript_passage_links_to_its_document_page(live: Live) -> None:
    persona = await live.persona("restricted admin")
    async with persona.client() as client:
        answer = await call(
            client, "semantic_search", {"query": "reporting outages", "kinds": ["transcript"]}
        )
    passage = answer["passages"][0]
    async with browser_for(live, "restricted admin") as browser:
        page = await browser.get(passage["url"].removeprefix(live.base_url).split("#")[0])
    assert page.status_code == 200
    assert "#t=" in passage["url"]


async def test_a_record_the_user_may_not_see_is_not_found_like_a_missing_one(live: Live) -> None:
    admin = await live.persona("restricted admin")
    async with admin.client() as client:
        answer = await call(
            client,
            "list_objects",
            {
                "object_type": "account",
                "filters": [{"field": "name", "op": "eq", "value": "Globex"}],
            },
        )
    globex = answer["records"][0]["id"]  # not in the narrow member's book
    async with browser_for(live, "narrow member") as browser:
        hidden = await browser.get(f"/records/{globex}")
        missing = await browser.get("/records/acc_0000000000000000000000")
        garbage = await browser.get("/records/%3Cscript%3E")
    async with httpx.AsyncClient(base_url=live.base_url) as anonymous:
        signed_out = await anonymous.get(f"/records/{globex}")
    assert hidden.status_code == missing.status_code == garbage.status_code == 404
    assert hidden.text.replace(globex, "") == missing.text.replace("acc_0000000000000000000000", "")
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/sign-in")
