"""The benchmark's SQL floor answers like the tools, for every user class (bench/peers/).

The peers harness judges AccountLens against this SQL (peer 1 times it, peer 2 answers with it);
if it gave a member an admin's rows (or skipped a hidden field) the comparison would flatter the
floor. So each class's answer from the floor's statements must be exactly the tool's
``structuredContent`` (``as_of`` aside), for every cheap call of the peers step.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from accountlens.db.embedded import EmbeddedServer
from accountlens.schema.ids import encode_id
from bench.peers.answers import (
    NotVisibleError,
    account_timeline,
    get_tickets,
    list_accounts,
    product_usage,
)
from bench.peers.floor import SEARCH_CAP
from bench.peers.search import search_objects
from bench.peers.sql import MEMBER_VISIBLE, Caller
from tests.mcp.conftest import COPY, Live
from tests.mcp.live import call, call_error
from tests.schema.demo import DEMO_USERS

#: The peers step's keyword searches (bench.load.workload): a typo, and a common word.
QUERIES = ("acme crop", "renewal")
LABELS = ("restricted admin", "team member", "account-team member", "narrow member",
          "open-org member")  # fmt: skip


async def caller_for(conn: asyncpg.Connection, email: str) -> Caller:
    """What the harness knows about a user: org, id, whole-org sight, hidden fields, zone."""
    row = await conn.fetchrow(
        "SELECT u.id, u.org_id, u.role, o.account_visibility, o.timezone FROM users u "
        "JOIN orgs o ON o.id = u.org_id WHERE u.email = $1",
        email,
    )
    assert row is not None
    hidden: list[tuple[str, str]] = []
    if row["role"] != "admin":
        hidden = [(r["object_type"], r["field"]) for r in await conn.fetch(
            "SELECT object_type, field FROM field_security WHERE org_id = $1", row["org_id"]
        )]  # fmt: skip
    admin = row["role"] == "admin"
    return Caller(
        row["org_id"], row["id"], admin or row["account_visibility"] == "open",
        frozenset(f for t, f in hidden if t == "account"), row["timezone"] or "UTC", admin,
        frozenset(hidden),
    )  # fmt: skip


def without_as_of(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "as_of"}


@pytest.mark.parametrize("label", LABELS)
async def test_the_floor_answers_every_call_of_the_peers_step_as_the_tools_answer_each_user(
    live: Live, pg_server: EmbeddedServer, label: str
) -> None:
    # given a user of the class and the tools' answers for a page of accounts, 25 tickets,
    # the product usage and timeline of an account they see, and two keyword searches
    persona = await live.persona(label)
    async with persona.client() as client:
        accounts = await call(client, "list_objects", {"object_type": "account"})
        listed = await call(client, "list_objects", {"object_type": "ticket"})
        ids = [r["id"] for r in listed["records"]][:25]
        tickets = await call(client, "get_objects", {"ids": ids})
        account = accounts["records"][0]["id"]
        usage = await call(
            client, "get_product_usage", {"id": account, "since": "-90d", "interval": "week"}
        )
        timeline = await call(client, "account_timeline", {"account": account, "since": "-30d"})
        searches = {q: await call(client, "search_objects", {"query": q}) for q in QUERIES}
    dsn = pg_server.url(COPY).replace("postgresql+asyncpg", "postgresql")
    conn = await asyncpg.connect(dsn)
    try:
        caller = await caller_for(conn, DEMO_USERS[label])
        # when the floor's statements answer the same questions
        floor_accounts = await list_accounts(conn, caller, live.base_url, 25)
        floor_tickets = await get_tickets(conn, caller, live.base_url, ids)
        floor_usage = await product_usage(conn, caller, live.base_url, account, 90, "week")
        floor_timeline = await account_timeline(conn, caller, live.base_url, account, 30)
        floor_searches = {
            q: await search_objects(conn, caller, live.base_url, q, SEARCH_CAP) for q in QUERIES
        }
    finally:
        await conn.close()
    # then the answers are the tools' own, record for record
    assert floor_accounts == without_as_of(accounts)
    assert floor_tickets == without_as_of(tickets)
    assert floor_usage == without_as_of(usage)
    assert floor_timeline == without_as_of(timeline)
    assert floor_searches == {q: without_as_of(a) for q, a in searches.items()}
    # and they are not empty, so the comparison says something
    assert timeline["records"]
    assert usage["buckets"]


@pytest.mark.parametrize("label", ["team member", "account-team member", "narrow member"])
async def test_the_floor_shows_a_restricted_member_no_usage_or_timeline_outside_their_book(
    live: Live, pg_server: EmbeddedServer, label: str
) -> None:
    # given a restricted member and an account of their org that is not in their book
    persona = await live.persona(label)
    dsn = pg_server.url(COPY).replace("postgresql+asyncpg", "postgresql")
    conn = await asyncpg.connect(dsn)
    try:
        caller = await caller_for(conn, DEMO_USERS[label])
        assert not caller.sees_all
        hidden = await conn.fetchval(
            f"SELECT id FROM accounts WHERE org_id = $1 AND id NOT IN ({MEMBER_VISIBLE}) "
            "ORDER BY id LIMIT 1",
            caller.org_id,
            caller.user_id,
        )
        assert hidden is not None
        account = encode_id("account", hidden)
        # when the tools and the floor are asked for its product usage and timeline
        async with persona.client() as client:
            usage_refused = await call_error(
                client, "get_product_usage", {"id": account, "since": "-90d", "interval": "week"}
            )
            timeline_refused = await call_error(
                client, "account_timeline", {"account": account, "since": "-30d"}
            )
        # then both refuse: the floor shows no more than the tools do
        with pytest.raises(NotVisibleError):
            await product_usage(conn, caller, live.base_url, account, 90, "week")
        with pytest.raises(NotVisibleError):
            await account_timeline(conn, caller, live.base_url, account, 30)
    finally:
        await conn.close()
    assert usage_refused
    assert timeline_refused
