"""Issue 16 item 5: a person narrows a connection on the consent page (no JavaScript), and the
token carries the narrowing to every read, over HTTP, for MCP tools and ``/graphql`` alike.

The persona signs in and submits the consent form as a browser without JavaScript would (the
fields the HTML holds, two types and transcripts unticked, 30 days picked), through the SDK's
real OAuth flow (discovery, registration, PKCE, token exchange).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest_asyncio

from tests.mcp.conftest import Live
from tests.mcp.live import Persona, call, call_error
from tests.mcp.test_record_pages import browser_for
from tests.schema.demo import DEMO_USERS
from tests.web.forms import Form

LEFT_OUT = ("ticket", "activity")
#: Matches demo tickets ("Snowflake sync stopped") and records of other types.
QUERY = "Snowflake"


def narrow(form: Form) -> None:
    """What the person does on the consent page: untick tickets, activities and transcripts,
    and pick the shortest expiry (the default ceiling of 90 days hides 365)."""
    for type_key in LEFT_OUT:
        form.untick("types", type_key)
    form.untick("transcripts", "on")
    assert form.options("lifetime_days") == ["30", "90"]
    form.pick("lifetime_days", "30")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def narrowed(live: Live) -> Persona:
    persona = Persona(
        live.base_url,
        DEMO_USERS["restricted admin"],
        "admin",
        consent=narrow,
        client_name="Narrowed client",
    )
    return await persona.connect()


async def graphql(live: Live, token: str, query: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=live.base_url, timeout=30) as http:
        response = await http.post(
            "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error_code(text: str) -> str:
    return str(json.loads(text)["error"]["code"])


async def test_listing_an_excluded_type_is_refused_with_a_typed_code(
    live: Live, narrowed: Persona
) -> None:
    async with narrowed.client() as client:
        text = await call_error(client, "list_objects", {"object_type": "ticket"})
        accounts = await call(client, "list_objects", {"object_type": "account", "limit": 2})
    error = json.loads(text)["error"]
    assert error["code"] == "OUTSIDE_NARROWING"
    assert "tickets" in error["message"]
    assert set(error["excluded_by_consent"]) == {*LEFT_OUT, "transcript"}
    assert accounts["count"] == 2


async def test_keyword_search_skips_excluded_types_and_refuses_naming_one(
    live: Live,
    narrowed: Persona,
) -> None:
    wide = await live.persona("restricted admin")
    async with wide.client() as client:
        everything = await call(client, "search_objects", {"query": QUERY, "limit": 100})
    async with narrowed.client() as client:
        found = await call(client, "search_objects", {"query": QUERY, "limit": 100})
        named = await call_error(client, "search_objects", {"query": QUERY, "types": ["ticket"]})
    assert "ticket" in {r["type"] for r in everything["records"]}, "the demo has such tickets"
    assert found["records"]
    assert not {r["type"] for r in found["records"]} & set(LEFT_OUT)
    assert error_code(named) == "OUTSIDE_NARROWING"


async def test_semantic_search_without_transcripts_returns_only_articles(
    live: Live, narrowed: Persona
) -> None:
    question = {"query": "unhappy about reporting outages", "limit": 10}
    wide = await live.persona("restricted admin")
    async with wide.client() as client:
        everything = await call(client, "semantic_search", question)
    async with narrowed.client() as client:
        found = await call(client, "semantic_search", question)
        named = await call_error(client, "semantic_search", question | {"kinds": ["transcript"]})
    assert "transcript" in {p["document"]["kind"] for p in everything["passages"]}
    assert found["passages"]
    assert {p["document"]["kind"] for p in found["passages"]} == {"kb_article"}
    assert error_code(named) == "OUTSIDE_NARROWING"


async def test_getting_an_excluded_types_id_says_so_and_nested_lists_leave_it_out(
    live: Live, narrowed: Persona
) -> None:
    wide = await live.persona("restricted admin")
    async with wide.client() as client:
        tickets = await call(client, "list_objects", {"object_type": "ticket", "limit": 1})
        acme = await call(client, "search_objects", {"query": "Acme Corp", "types": ["account"]})
    ticket_id, account_id = tickets["records"][0]["id"], acme["records"][0]["id"]
    async with narrowed.client() as client:
        refused = await call_error(client, "get_objects", {"ids": [ticket_id]})
        account = await call(client, "get_objects", {"ids": [account_id], "include": ["tickets"]})
    assert error_code(refused) == "OUTSIDE_NARROWING"
    (record,) = account["records"]
    assert record["name"] == "Acme Corp"
    assert not record.get("tickets")


async def test_graphql_with_the_narrowed_token_refuses_and_filters_the_same_way(
    live: Live, narrowed: Persona
) -> None:
    listed = await graphql(live, narrowed.token, "{ tickets(first: 1) { nodes { id } } }")
    nested = await graphql(
        live,
        narrowed.token,
        "{ accounts(first: 3) { nodes { name tickets(first: 5) { id } } } "
        "documents(first: 100) { nodes { kind } } }",
    )
    assert listed["errors"][0]["extensions"]["code"] == "OUTSIDE_NARROWING"
    assert listed["data"] is None or listed["data"].get("tickets") is None
    assert "errors" not in nested, nested
    assert all(a["tickets"] == [] for a in nested["data"]["accounts"]["nodes"])
    assert {d["kind"] for d in nested["data"]["documents"]["nodes"]} == {"kb_article"}


async def test_the_connection_expires_after_the_chosen_30_days_and_shows_its_narrowing(
    live: Live, narrowed: Persona
) -> None:
    me = await graphql(live, narrowed.token, "{ me { connectionId } }")
    connection_id = me["data"]["me"]["connectionId"]
    found = await graphql(
        live,
        narrowed.token,
        f'{{ mcpConnection(id: "{connection_id}") {{ expiresAt '
        "narrowing { objectTypes transcripts knowledgeBase excluded } } }",
    )
    connection = found["data"]["mcpConnection"]
    expires = datetime.fromisoformat(connection["expiresAt"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=10)
    assert connection["narrowing"] == {
        "objectTypes": [
            "account",
            "person",
            "opportunity",
            "task",
            "project",
            "contract",
            "custom_object",
        ],
        "transcripts": False,
        "knowledgeBase": True,
        "excluded": ["activity", "ticket", "transcript"],
    }


async def test_the_connections_page_and_the_connections_own_page_show_the_narrowing(
    live: Live, narrowed: Persona
) -> None:
    me = await graphql(live, narrowed.token, "{ me { connectionId } }")
    connection_id = me["data"]["me"]["connectionId"]
    async with browser_for(live, "restricted admin") as browser:
        listing = (await browser.get("/admin/settings/connections")).text
        detail = (await browser.get(f"/admin/settings/connections/{connection_id}")).text
    row = listing.split(f'id="connection-{connection_id}"', 1)[1].split("</tr>", 1)[0]
    assert "Narrowed: no activities, no tickets, no transcripts" in row
    assert (
        "May read only account, person, opportunity, task, project, contract, custom_object"
        in detail
    )
    assert "transcripts no; KB articles yes" in detail
