"""Issue 16 item 7: record pages read like a CRM's, not like a metadata dump.

Labels come from the org's property definitions ("ARR", "NPS"), an account lists its people,
deals, tickets, activities and tasks with links, a group its members, a task its comments, and a
knowledge-base article reads as paragraphs. Over HTTP, as the signed-in admin.
"""

from __future__ import annotations

import re
from typing import Any

import pytest_asyncio

from tests.mcp.conftest import Live
from tests.mcp.test_record_pages import browser_for
from tests.schema.demo import DEMO_USERS, demo_principal
from tests.schema.helpers import data_of

IDS = """{
  accounts(filter: [{field: "name", op: EQ, value: "Acme Corp"}]) { nodes { id } }
  groups(first: 20) { nodes { id memberType accounts(first: 1) { nodes { displayName } } } }
  tasks(first: 100) { nodes { id comments(first: 1) { body author { displayName } } } }
  documents(first: 1, filter: [{field: "kind", op: EQ, value: "kb_article"}]) {
    nodes { id title body } }
}"""


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def demo(live: Live) -> dict[str, Any]:
    admin = await demo_principal(live.db, DEMO_USERS["restricted admin"])
    data: dict[str, Any] = await data_of(live.db, admin, IDS)
    return data


async def page(live: Live, path: str) -> str:
    async with browser_for(live, "restricted admin") as browser:
        response = await browser.get(path)
    assert response.status_code == 200, response.text
    return response.text


def headings(html: str) -> list[str]:
    """The page's section headings, without their counts."""
    found = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html)]
    return [re.sub(r"\s*\(\d+\)$", "", h).strip() for h in found]


async def test_an_account_page_uses_the_orgs_labels_and_lists_its_related_records(
    live: Live, demo: dict[str, Any]
) -> None:
    html = await page(live, f"/records/{demo['accounts']['nodes'][0]['id']}")
    labels = re.findall(r'<th scope="row">([^<]+)</th>', html)
    assert "ARR" in labels
    assert "NPS" in labels
    assert "Arr" not in labels
    assert "nps" not in labels
    assert headings(html)[:5] == ["People", "Opportunities", "Tickets", "Activities", "Tasks"]
    for prefix in ("per_", "opp_", "tkt_", "act_", "tsk_"):
        assert re.search(rf'<li><a href="/records/{prefix}[0-9A-Za-z]+">[^<]+</a></li>', html), (
            prefix
        )


async def test_a_group_page_lists_its_members_with_links(live: Live, demo: dict[str, Any]) -> None:
    group = next(g for g in demo["groups"]["nodes"] if g["accounts"]["nodes"])
    html = await page(live, f"/records/{group['id']}")
    member = group["accounts"]["nodes"][0]["displayName"]
    assert "Member accounts" in headings(html)
    assert "Member people" not in headings(html)  # an account group has no people
    assert re.search(r'<li><a href="/records/acc_[0-9A-Za-z]+">', html)
    assert member.replace("&", "&amp;").replace("'", "&#39;") in html


async def test_a_task_page_shows_its_comments_with_their_authors(
    live: Live, demo: dict[str, Any]
) -> None:
    task = next(t for t in demo["tasks"]["nodes"] if t["comments"])
    html = await page(live, f"/records/{task['id']}")
    (comment,) = task["comments"]
    section = html.split('id="comments-title"', 1)[1]
    assert comment["author"]["displayName"] in section
    first_words = " ".join(comment["body"].split()[:4])
    assert first_words.replace("'", "&#39;").replace("&", "&amp;") in section


async def test_a_knowledge_base_article_reads_as_paragraphs(
    live: Live, demo: dict[str, Any]
) -> None:
    (article,) = demo["documents"]["nodes"]
    html = await page(live, f"/records/{article['id']}")
    prose = html.split('class="prose body"', 1)[1].split("</div>", 1)[0]
    paragraphs = [p for p in article["body"].split("\n\n") if p.strip()]
    assert prose.count("<p>") == len(paragraphs) > 1
    assert "<pre" not in html
