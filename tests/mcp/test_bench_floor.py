"""The benchmark's SQL floor answers like the tools, for every user class (bench/peer_sql.py).

The peers harness judges AccountLens against this SQL; if it gave a member an admin's rows (or
skipped a hidden field) the comparison would flatter the floor. So each class's answer from the
floor's statements must be exactly the tool's ``structuredContent`` (``as_of`` aside).
"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from accountlens.db.embedded import EmbeddedServer
from bench.peers.sql import Caller, get_tickets, list_accounts
from tests.mcp.conftest import COPY, Live
from tests.mcp.live import call
from tests.schema.demo import DEMO_USERS

LABELS = ("restricted admin", "team member", "account-team member", "narrow member",
          "open-org member")  # fmt: skip


async def caller_for(conn: asyncpg.Connection, email: str) -> Caller:
    """What the harness knows about a user: org, id, whole-org sight, hidden account fields."""
    row = await conn.fetchrow(
        "SELECT u.id, u.org_id, u.role, o.account_visibility FROM users u "
        "JOIN orgs o ON o.id = u.org_id WHERE u.email = $1",
        email,
    )
    assert row is not None
    hidden: list[str] = []
    if row["role"] != "admin":
        hidden = [r["field"] for r in await conn.fetch(
            "SELECT field FROM field_security WHERE org_id = $1 AND object_type = 'account'",
            row["org_id"],
        )]  # fmt: skip
    sees_all = row["role"] == "admin" or row["account_visibility"] == "open"
    return Caller(row["org_id"], row["id"], sees_all, frozenset(hidden))


def without_as_of(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k != "as_of"}


@pytest.mark.parametrize("label", LABELS)
async def test_the_floor_lists_and_gets_exactly_what_the_tools_answer_each_user(
    live: Live, pg_server: EmbeddedServer, label: str
) -> None:
    # given a user of the class and the tools' answers for a page of accounts and 25 tickets
    persona = await live.persona(label)
    async with persona.client() as client:
        accounts = await call(client, "list_objects", {"object_type": "account"})
        listed = await call(client, "list_objects", {"object_type": "ticket"})
        ids = [r["id"] for r in listed["records"]][:25]
        tickets = await call(client, "get_objects", {"ids": ids})
    dsn = pg_server.url(COPY).replace("postgresql+asyncpg", "postgresql")
    conn = await asyncpg.connect(dsn)
    try:
        caller = await caller_for(conn, DEMO_USERS[label])
        # when the floor's statements answer the same questions
        floor_accounts = await list_accounts(conn, caller, live.base_url, 25)
        floor_tickets = await get_tickets(conn, caller, live.base_url, ids)
    finally:
        await conn.close()
    # then the answers are the tools' own, record for record
    assert floor_accounts == without_as_of(accounts)
    assert floor_tickets == without_as_of(tickets)
