"""Acceptance 2: the four questions of SPEC §1, each answered in at most two tool calls.

Each answer is checked against the same question asked of the GraphQL API in-process (whose
answers ``tests/schema/test_four_questions.py`` checks against the raw rows), and its size is
printed next to plain JSON of the same records (``pytest -s`` shows it).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp.client.client import Client
from mcp_types import CallToolResult, TextContent

from tests.mcp.conftest import Live
from tests.mcp.live import payload_of, size_of
from tests.schema.demo import DEMO_USERS, demo_principal
from tests.schema.helpers import data_of

PERSONAS = ("restricted admin", "narrow member", "open-org member")
ENVELOPE_BYTES = 120
QUESTION_1 = "Summarize what's happened with Acme Corp in the last 30 days"


def payload_text(result: CallToolResult) -> str:
    (content,) = result.content
    assert isinstance(content, TextContent)
    return content.text


def trimmed(result: CallToolResult, keep: int = 360) -> str:
    """The start of an answer's text, for the printed transcript."""
    text = json.dumps(payload_of(result), ensure_ascii=False)
    return text if len(text) <= keep else text[:keep] + " …"


class Transcript:
    """The calls made for one question, with their answers' sizes."""

    def __init__(self, client: Client, question: str) -> None:
        self.client = client
        self.question = question
        self.calls: list[tuple[str, dict[str, Any], CallToolResult]] = []

    async def call(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        result = await self.client.call_tool(tool, arguments)
        assert not result.is_error, result.content
        self.calls.append((tool, arguments, result))
        return payload_of(result)

    def report(self, plain: Any) -> None:
        """Print the calls and sizes; the answer must beat the SDK's default rendering.

        ``plain`` is the GraphQL data of the same records with the same fields, each given the
        same deep link; the SDK's default for a tool returning it is JSON indented by two spaces.
        """
        assert len(self.calls) <= 2
        total = sum(size_of(r)[0] for _, _, r in self.calls)
        # A note explaining an empty answer is not part of the records compared.
        notes = sum(len(str(payload_of(r).get("note") or "").encode()) for _, _, r in self.calls)
        compact = len(json.dumps(plain, separators=(",", ":")).encode())
        plain_size = len(json.dumps(plain, indent=2).encode())
        print(f"\nQ: {self.question}")
        for tool, arguments, result in self.calls:
            size, tokens = size_of(result)
            print(f"  {tool} {json.dumps(arguments)}")
            print(f"    -> {size} bytes ≈ {tokens} tokens: {trimmed(result)}")
        print(
            f"  answer: {total} bytes ≈ {-(-total // 4)} tokens in {len(self.calls)} call(s); "
            f"the same records as plain JSON: {plain_size} bytes indented (the SDK's default), "
            f"{compact} bytes compact"
        )
        # The envelope (type, total, count, next_cursor) is what plain records lack.
        assert total - notes < plain_size + ENVELOPE_BYTES * len(self.calls)


async def graphql(live: Live, label: str, query: str) -> dict[str, Any]:
    return await data_of(live.db, await demo_principal(live.db, DEMO_USERS[label]), query)


def linked(live: Live, nodes: list[dict[str, Any]], key: str = "id") -> list[dict[str, Any]]:
    """The same records with the deep link a tool adds, for a like-for-like size comparison."""
    return [n | {"url": f"{live.base_url}/records/{n[key]}"} for n in nodes]


@pytest.mark.parametrize("label", PERSONAS)
async def test_what_happened_with_acme_corp_in_the_last_30_days(live: Live, label: str) -> None:
    persona = await live.persona(label)
    async with persona.client() as client:
        transcript = Transcript(
            client, "Summarize what's happened with Acme Corp in the last 30 days"
        )
        timeline = await transcript.call(
            "account_timeline", {"account": "Acme Corp", "since": "-30d", "limit": 50}
        )
    expected = await graphql(
        live,
        label,
        """{ accounts(filter: [{field: "name", op: EQ, value: "Acme Corp"}]) { nodes { id
             timeline(since: "-30d", first: 50) {
               kind at title detail recordId objectType updatedAt } } } }""",
    )
    (node,) = expected["accounts"]["nodes"]
    assert timeline["account"] == {"id": node["id"], "name": "Acme Corp"}
    assert [(e["id"], e["type"], e["name"]) for e in timeline["records"]] == [
        (e["recordId"], e["objectType"], e["title"]) for e in node["timeline"]
    ]
    if label != "open-org member":  # Northwind's Acme Corp had the scripted busy month
        assert "Re: remediation plan and dates" in {e["name"] for e in timeline["records"]}
    transcript.report(linked(live, node["timeline"], "recordId"))


async def test_a_timeline_by_name_the_user_cannot_see_is_not_found(live: Live) -> None:
    persona = await live.persona("narrow member")
    async with persona.client() as client:
        result = await client.call_tool("account_timeline", {"account": "Globex"})
    assert result.is_error
    assert json.loads(payload_text(result))["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("label", PERSONAS)
async def test_open_opportunities_over_50k_closing_this_quarter(live: Live, label: str) -> None:
    persona = await live.persona(label)
    async with persona.client() as client:
        transcript = Transcript(
            client, "Show me all open opportunities over $50k closing this quarter"
        )
        answer = await transcript.call(
            "list_objects",
            {
                "object_type": "opportunity",
                "filters": [
                    {"field": "stage_category", "op": "eq", "value": "open"},
                    {"field": "amount", "op": "gt", "value": 50000},
                    {"field": "close_date", "op": "eq", "value": "this_quarter"},
                ],
                "sort": [{"field": "amount", "direction": "desc"}],
                "limit": 100,
            },
        )
    expected = await graphql(
        live,
        label,
        """{ opportunities(first: 100, sort: [{field: "amount", direction: DESC}], filter: [
               {field: "stage_category", op: EQ, value: "open"},
               {field: "amount", op: GT, value: 50000},
               {field: "close_date", op: EQ, value: "this_quarter"}]) {
             totalCount nodes { id name type stage stageCategory amount { amount currency }
             closeDate account { id displayName } owner { id displayName } updatedAt } } }""",
    )
    assert answer["total"] == expected["opportunities"]["totalCount"]
    assert [r["id"] for r in answer["records"]] == [
        n["id"] for n in expected["opportunities"]["nodes"]
    ]
    assert all(r["amount"]["amount"] > 50000 for r in answer["records"])
    assert all(r["type"] == "opportunity" for r in answer["records"])
    assert all(r["opportunity_type"] in {"new", "renewal", "expansion"} for r in answer["records"])
    transcript.report(linked(live, expected["opportunities"]["nodes"]))


@pytest.mark.parametrize("label", PERSONAS)
async def test_which_contacts_at_globex_are_champions(live: Live, label: str) -> None:
    persona = await live.persona(label)
    async with persona.client() as client:
        transcript = Transcript(client, "Which contacts at Globex are champions?")
        answer = await transcript.call(
            "list_objects",
            {
                "object_type": "person",
                "filters": [
                    {"field": "account.name", "op": "eq", "value": "Globex"},
                    {"field": "persona", "op": "eq", "value": "champion"},
                ],
            },
        )
    expected = await graphql(
        live,
        label,
        """{ people(first: 100, filter: [{field: "account.name", op: EQ, value: "Globex"},
                                         {field: "persona", op: EQ, value: "champion"}]) {
             totalCount nodes { id name title email persona account { id displayName } updatedAt
             } } }""",
    )
    assert answer["total"] == expected["people"]["totalCount"]
    assert {r["id"] for r in answer["records"]} == {n["id"] for n in expected["people"]["nodes"]}
    assert all(r["persona"] == "champion" for r in answer["records"])
    if label == "restricted admin":
        assert answer["total"] >= 3  # the demo gives Northwind's Globex three champions
    transcript.report(linked(live, expected["people"]["nodes"]))


@pytest.mark.parametrize("label", PERSONAS)
async def test_latest_support_tickets_for_at_risk_accounts(live: Live, label: str) -> None:
    persona = await live.persona(label)
    async with persona.client() as client:
        transcript = Transcript(
            client, "What are the latest support tickets for accounts in the 'At Risk' segment?"
        )
        answer = await transcript.call(
            "list_objects",
            {
                "object_type": "ticket",
                "filters": [{"field": "account.segment", "op": "eq", "value": "At Risk"}],
                "sort": [{"field": "opened_at", "direction": "desc"}],
                "limit": 10,
            },
        )
    expected = await graphql(
        live,
        label,
        """{ tickets(first: 10, sort: [{field: "opened_at", direction: DESC}],
                     filter: [{field: "account.segment", op: EQ, value: "At Risk"}]) {
             totalCount nodes { id subject status priority openedAt closedAt
             account { id displayName } requester { id displayName } updatedAt } } }""",
    )
    assert answer["total"] == expected["tickets"]["totalCount"]
    assert [r["id"] for r in answer["records"]] == [n["id"] for n in expected["tickets"]["nodes"]]
    transcript.report(linked(live, expected["tickets"]["nodes"]))
