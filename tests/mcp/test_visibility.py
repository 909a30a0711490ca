"""Acceptance 3: the cross-user matrix through the tools — same visibility and totals as GraphQL,
and records a user may not see are "not found", exactly like records that do not exist."""

from __future__ import annotations

import json

import pytest

from accountlens.object_types import LIST_TYPES
from tests.mcp.conftest import Live
from tests.mcp.live import call, call_error
from tests.schema.demo import DEMO_USERS, demo_principal
from tests.schema.helpers import data_of

LABELS = ("restricted admin", "team member", "account-team member", "narrow member",
          "open-org member")  # fmt: skip
#: Every type ``list_objects`` lists, with its GraphQL root list field (contracts included).
ROOTS = {key: root for key, (root, _) in LIST_TYPES.items()}


async def graphql_totals(live: Live, label: str) -> dict[str, int]:
    principal = await demo_principal(live.db, DEMO_USERS[label])
    query = "{ " + " ".join(f"{r} {{ totalCount }}" for r in ROOTS.values()) + " }"
    data = await data_of(live.db, principal, query)
    return {key: data[root]["totalCount"] for key, root in ROOTS.items()}


async def account_ids(live: Live, label: str) -> set[str]:
    principal = await demo_principal(live.db, DEMO_USERS[label])
    data = await data_of(live.db, principal, "{ accounts(first: 100) { nodes { id } } }")
    return {n["id"] for n in data["accounts"]["nodes"]}


@pytest.mark.parametrize("label", LABELS)
async def test_every_user_sees_through_the_tools_exactly_what_graphql_shows_them(
    live: Live, label: str
) -> None:
    expected = await graphql_totals(live, label)
    persona = await live.persona(label)
    async with persona.client() as client:
        totals = {
            key: (await call(client, "list_objects", {"object_type": key, "limit": 1}))["total"]
            for key in ROOTS
        }
    assert totals == expected
    if label == "narrow member":
        assert totals["account"] == 3  # Acme Corp, Hooli Health, Pied Piper Data


async def test_narrower_users_see_fewer_records_than_their_admin(live: Live) -> None:
    admin = await graphql_totals(live, "restricted admin")
    for label in ("team member", "account-team member", "narrow member"):
        member = await graphql_totals(live, label)
        assert all(member[k] <= admin[k] for k in ROOTS)
        assert member["account"] < admin["account"]


async def test_records_a_user_may_not_see_are_not_found_like_missing_ones(live: Live) -> None:
    # given accounts the admin sees but the narrow member does not, and another org's account
    hidden = sorted(
        await account_ids(live, "restricted admin") - await account_ids(live, "narrow member")
    )[:5]
    foreign = sorted(await account_ids(live, "open-org member"))[:2]
    missing = "acc_0000000000000000000000"
    persona = await live.persona("narrow member")
    async with persona.client() as client:
        # when the narrow member asks for them by ID
        answer = await call(client, "get_objects", {"ids": [*hidden, *foreign, missing]})
        timeline_hidden = await call_error(client, "account_timeline", {"account": hidden[0]})
        timeline_missing = await call_error(client, "account_timeline", {"account": missing})
        groups_foreign = await call_error(client, "get_group_membership", {"id": foreign[0]})
        usage_hidden = await call_error(client, "get_product_usage", {"id": hidden[0]})
        searched = await call(client, "search_objects", {"query": "Globex"})
    # then each is "not found", worded exactly as for an ID that never existed
    assert answer["records"] == []
    assert answer["not_found"] == [*hidden, *foreign, missing]
    assert json.loads(timeline_hidden) == json.loads(timeline_missing)
    assert json.loads(groups_foreign)["error"]["code"] == "NOT_FOUND"
    assert json.loads(usage_hidden)["error"]["code"] == "NOT_FOUND"
    assert "Globex" not in {r["name"] for r in searched["records"]}
