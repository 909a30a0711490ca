"""The deep links the tools hand out open record pages with the same visibility as the tools."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from tests.auth.helpers import sign_in
from tests.mcp.conftest import Live
from tests.mcp.live import PASSWORDS, call, call_error
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


async def test_fields_hidden_from_members_show_on_the_admins_page_and_answer_only(
    live: Live,
) -> None:
    # given Acme Corp, in the narrow member's book; Northwind hides ARR and NPS from members
    acme = [{"field": "name", "op": "eq", "value": "Acme Corp"}]
    wanted = {"restricted admin": ["arr", "nps", "health_score"],
              "narrow member": ["arr", "health_score"]}  # fmt: skip
    pages = {}
    for label, fields in wanted.items():
        persona = await live.persona(label)
        async with persona.client() as client:
            arguments = {"object_type": "account", "filters": acme, "fields": fields}
            (record,) = (await call(client, "list_objects", arguments))["records"]
            if label == "narrow member":  # a hidden custom field is an unknown one
                asked = {**arguments, "fields": ["nps"]}
                refused = json.loads(await call_error(client, "list_objects", asked))["error"]
                never = {**arguments, "fields": ["zz_never"]}
                unknown = json.loads(await call_error(client, "list_objects", never))["error"]
        async with browser_for(live, label) as browser:
            page = await browser.get(record["url"].removeprefix(live.base_url))
        assert page.status_code == 200
        pages[label] = (record, page.text)
    # then the admin's answer and page show both, the member's neither (health stays for both)
    admin, member = pages["restricted admin"], pages["narrow member"]
    assert {"arr", "nps", "health_score"} <= set(admin[0])
    assert "health_score" in member[0]
    assert "arr" not in member[0]
    assert refused["valid_choices"] == unknown["valid_choices"]
    assert "nps" not in refused["valid_choices"]
    assert not refused.get("did_you_mean")
    # (rows are labelled by the org's property definitions: "ARR", "NPS")
    for label in ("ARR", "NPS"):
        assert f'<th scope="row">{label}</th>' in admin[1]
        assert f'<th scope="row">{label}</th>' not in member[1]
    assert ">Arr<" not in member[1]
    assert ">nps<" not in member[1]
    assert '<th scope="row">Health score</th>' in member[1]
