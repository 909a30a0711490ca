"""What a cheap tool call costs on the wire, all of it: the token check, the reads, the audit row.

Issue 12's target: at most 3 statements and 6 round trips (``BEGIN`` and ``COMMIT`` included)
per cheap call, whatever the page size. Counted at the driver (``tests/wire.py``) around one
HTTP request to the live server in this process, and until its audit row is written (the
background writer is flushed inside the count, so a row written after the answer still counts).
"""

from __future__ import annotations

from typing import Any

import pytest

from accountlens.resolvers import reader
from tests.mcp.conftest import Live
from tests.mcp.live import post_mcp, tool_call
from tests.wire import Wire, counting_wire

#: Issue 12, "statements / round trips per cheap call".
MAX_STATEMENTS = 3
MAX_ROUND_TRIPS = 6


async def one_call(live: Live, token: str, tool: str, arguments: dict[str, Any]) -> Wire:
    """The wire of one tool call, from its bearer check to its audit row."""
    audit = live.app.state.mcp.audit
    for _ in range(2):  # warm: the salt, compiled operations, prepared statements, org fields
        await post_mcp(live.base_url, token, tool_call(tool, arguments))
    await audit.flush()
    with counting_wire() as wire:
        response = await post_mcp(live.base_url, token, tool_call(tool, arguments))
        await audit.flush()
    assert response.status_code == 200
    assert not response.json()["result"].get("isError"), response.json()
    return wire


async def test_a_cheap_tool_call_takes_three_statements_and_six_round_trips(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the demo admin's connection and 25 of the tickets they see, and the org's property
    # definitions kept for the whole test: they are re-read once per org every few seconds
    # (one more statement for whichever call finds them expired), and on a loaded machine the
    # warm-up calls alone can outlast that
    monkeypatch.setattr(reader, "PROPERTY_TTL_SECONDS", 600.0)
    admin = await live.persona("restricted admin")
    page = await post_mcp(
        live.base_url, admin.token, tool_call("list_objects", {"object_type": "ticket"})
    )
    tickets = [r["id"] for r in page.json()["result"]["structuredContent"]["records"]]
    assert len(tickets) == 25
    first = await post_mcp(
        live.base_url,
        admin.token,
        tool_call("list_objects", {"object_type": "account", "limit": 1}),
    )
    account = first.json()["result"]["structuredContent"]["records"][0]["id"]
    calls: dict[str, tuple[str, dict[str, Any]]] = {
        "list 5 accounts": ("list_objects", {"object_type": "account", "limit": 5}),
        "list 25 accounts": ("list_objects", {"object_type": "account"}),
        "get 25 tickets": ("get_objects", {"ids": tickets}),
        # the account, its totals, buckets, features and seats in one statement
        "product usage": ("get_product_usage", {"id": account}),
    }
    # when each is called once, warmed
    wires = {label: await one_call(live, admin.token, *call) for label, call in calls.items()}
    # then each takes three statements (the check with the org row and the binding, the page
    # with its total and owners, the count with the audit row) in five or six round trips,
    # and a page of 25 as many as a page of 5
    for label, wire in wires.items():
        assert len(wire.statements) <= MAX_STATEMENTS, (label, wire.statements)
        assert wire.round_trips <= MAX_ROUND_TRIPS, (label, wire.round_trips, wire.statements)
    assert len(wires["list 25 accounts"].statements) == len(wires["list 5 accounts"].statements)


async def cheap_calls(live: Live, token: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """Issue 12's cheap calls over records ``token``'s user sees (their first tickets, account)."""
    page = await post_mcp(
        live.base_url, token, tool_call("list_objects", {"object_type": "ticket"})
    )
    tickets = [r["id"] for r in page.json()["result"]["structuredContent"]["records"]]
    assert tickets
    first = await post_mcp(
        live.base_url, token, tool_call("list_objects", {"object_type": "account", "limit": 1})
    )
    account = first.json()["result"]["structuredContent"]["records"][0]["id"]
    return {
        "list 5 accounts": ("list_objects", {"object_type": "account", "limit": 5}),
        "list 25 accounts": ("list_objects", {"object_type": "account"}),
        "get tickets": ("get_objects", {"ids": tickets}),
        "product usage": ("get_product_usage", {"id": account}),
    }


@pytest.mark.parametrize("member", ["team member", "narrow member", "open-org member"])
async def test_a_members_cheap_call_costs_what_an_admins_does(
    live: Live, monkeypatch: pytest.MonkeyPatch, member: str
) -> None:
    # given a member's connection (a team book, a narrow book, an open org: the book and the
    # org's hidden fields are read by the bearer check, not by a statement of their own), and
    # the property definitions kept for the whole test (see above)
    monkeypatch.setattr(reader, "PROPERTY_TTL_SECONDS", 600.0)
    persona = await live.persona(member)
    calls = await cheap_calls(live, persona.token)
    # when each is called once, warmed
    wires = {label: await one_call(live, persona.token, *call) for label, call in calls.items()}
    # then each takes the admin's three statements (check, page, count) and round trips
    for label, wire in wires.items():
        assert len(wire.statements) <= MAX_STATEMENTS, (member, label, wire.statements)
        assert wire.round_trips <= MAX_ROUND_TRIPS, (member, label, wire.round_trips)


async def test_a_members_whoami_takes_as_many_statements_as_an_admins(live: Live) -> None:
    # given the restricted org's admin and a member of a team book
    admin = await live.persona("restricted admin")
    member = await live.persona("team member")
    # when each asks who they are, warmed
    admins = await one_call(live, admin.token, "whoami", {})
    members = await one_call(live, member.token, "whoami", {})
    # then the member's book and hidden fields cost no statement of their own
    assert len(members.statements) == len(admins.statements), members.statements
    assert members.round_trips == admins.round_trips


@pytest.mark.parametrize(
    "persona", ["restricted admin", "team member", "narrow member", "open-org member"]
)
async def test_an_account_timeline_takes_three_statements_for_every_user_class(
    live: Live, monkeypatch: pytest.MonkeyPatch, persona: str
) -> None:
    # given a user of each class, an account they see, and the org's property definitions
    # kept for the whole test (see above)
    monkeypatch.setattr(reader, "PROPERTY_TTL_SECONDS", 600.0)
    user = await live.persona(persona)
    first = await post_mcp(
        live.base_url, user.token, tool_call("list_objects", {"object_type": "account", "limit": 1})
    )
    account = first.json()["result"]["structuredContent"]["records"][0]["id"]
    # when they ask for its last 30 days, warmed
    wire = await one_call(
        live, user.token, "account_timeline", {"account": account, "since": "-30d"}
    )
    # then the account, its page of events and their total are one statement: with the check
    # (which reads a member's book and hidden fields) and the settling statement three, in at
    # most six round trips, for every user class
    assert len(wire.statements) <= MAX_STATEMENTS, wire.statements
    assert wire.round_trips <= MAX_ROUND_TRIPS, (wire.round_trips, wire.statements)


@pytest.mark.parametrize(
    "persona", ["restricted admin", "team member", "narrow member", "open-org member"]
)
async def test_a_keyword_search_takes_three_statements_for_every_user_class(
    live: Live, monkeypatch: pytest.MonkeyPatch, persona: str
) -> None:
    # given a user of each class and the org's property definitions kept for the whole test
    # (see above)
    monkeypatch.setattr(reader, "PROPERTY_TTL_SECONDS", 600.0)
    user = await live.persona(persona)
    # when they search for a word matching records of several types, warmed
    wire = await one_call(live, user.token, "search_objects", {"query": "renewal"})
    # then the hits' records (and the accounts and owners they point at) are read by the
    # search's own statement: with the check and the settling statement three, in at most six
    # round trips, however many hits and types the page holds (every book of the small demo is
    # inlined, so no search here asks for a plan of its own: see tests/resolvers/test_plans.py)
    assert len(wire.statements) <= MAX_STATEMENTS, wire.statements
    assert wire.round_trips <= MAX_ROUND_TRIPS, (wire.round_trips, wire.statements)
