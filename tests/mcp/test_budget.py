"""Acceptance 4: the token budget holds on the largest page, and a shortened page is valid JSON
that continues from its cursor without skipping or repeating a record."""

from __future__ import annotations

from typing import Any

import pytest

from accountlens.mcp_adapter.catalog import LIST_TYPES, Catalog
from accountlens.schema.root import schema
from tests.mcp.conftest import Live
from tests.mcp.live import call, size_of

BUDGET = 10_000  # the default ACCOUNTLENS_TOKEN_BUDGET


def every_field(object_type: str) -> list[str]:
    """All selectable fields of a type, related lists included: the largest records there are."""
    return list(Catalog(schema._schema).fields(LIST_TYPES[object_type][1]))


@pytest.mark.parametrize("object_type", ["account", "activity"])
async def test_the_largest_page_stays_within_the_budget_and_continues_from_its_cursor(
    live: Live, object_type: str
) -> None:
    persona = await live.persona("restricted admin")
    arguments: dict[str, Any] = {
        "object_type": object_type,
        "fields": every_field(object_type),
        "limit": 100,
    }
    async with persona.client() as client:
        # given the full order of the first 100 records (IDs only: a small answer)
        order = await call(
            client, "list_objects", {"object_type": object_type, "fields": [], "limit": 100}
        )
        ids = [r["id"] for r in order["records"]]
        # when the largest page is asked for
        result = await client.call_tool("list_objects", arguments)
        first = await call(client, "list_objects", arguments)
        # then it fits, says so, and the next page starts right after its last record
        second = await call(client, "list_objects", arguments | {"cursor": first["next_cursor"]})
    size, tokens = size_of(result)
    print(f"\n{object_type}: {first['count']} of 100 records kept, {size} bytes ≈ {tokens} tokens")
    assert tokens <= BUDGET
    assert 0 < first["count"] < 100
    assert "cursor=" in first["note"]
    assert [r["id"] for r in first["records"]] == ids[: first["count"]]
    following = ids[first["count"] : first["count"] + second["count"]]
    assert [r["id"] for r in second["records"]][: len(following)] == following
    assert second["total"] == first["total"] == order["total"]


async def test_a_small_page_is_not_shortened(live: Live) -> None:
    persona = await live.persona("restricted admin")
    async with persona.client() as client:
        answer = await call(client, "list_objects", {"object_type": "ticket", "limit": 5})
    assert answer["count"] == 5
    assert "note" not in answer
