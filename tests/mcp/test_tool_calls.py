"""Acceptance 1 (calls): every tool answers valid arguments and refuses invalid ones usefully,
in both protocol modes, through the SDK client and the OAuth-issued token."""

from __future__ import annotations

import json
from typing import Any

import pytest
import pytest_asyncio

from tests.mcp.conftest import Live
from tests.mcp.live import MODES, call, call_error
from tests.schema.demo import demo_principal
from tests.schema.helpers import data_of

ADMIN = "ada@northwind.example"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def ids(live: Live) -> dict[str, str]:
    """IDs of demo records the calls refer to (looked up through GraphQL as the admin)."""
    admin = await demo_principal(live.db, ADMIN)
    data = await data_of(
        live.db,
        admin,
        """{ accounts(filter: [{field: "name", op: EQ, value: "Acme Corp"}]) { nodes { id } }
             people(first: 1) { nodes { id } }
             tasks(first: 100) { nodes { id comments(first: 1) { id } } } }""",
    )
    task = next(t["id"] for t in data["tasks"]["nodes"] if t["comments"])
    return {
        "account": data["accounts"]["nodes"][0]["id"],
        "person": data["people"]["nodes"][0]["id"],
        "task": task,
    }


def valid_calls(ids: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {
        "whoami": {},
        "list_objects": {
            "object_type": "opportunity",
            "filters": [{"field": "stage_category", "op": "eq", "value": "open"}],
            "sort": [{"field": "amount", "direction": "desc"}],
            "fields": ["amount", "stage", "account", "probability"],
            "limit": 5,
        },
        "search_objects": {"query": "Acme Crop", "types": ["account"]},
        "get_objects": {"ids": [ids["account"], ids["person"]], "include": ["people"]},
        "search_properties": {"object_type": "account", "query": "health"},
        "list_custom_object_types": {},
        "get_custom_object_instances": {"type": "integration", "limit": 3},
        "get_group_membership": {"id": ids["account"]},
        "get_task_comments": {"task_id": ids["task"]},
        "get_product_usage": {"id": ids["account"], "since": "-90d", "interval": "month"},
        "semantic_search": {"query": "unhappy about reporting outages", "limit": 3},
        "account_timeline": {"account": ids["account"], "since": "-30d", "limit": 5},
    }


#: tool -> (arguments, a text the error must show: the valid choice or the offending name).
INVALID_CALLS: dict[str, tuple[dict[str, Any], str]] = {
    "whoami": ({"unexpected": 1}, "unknown argument"),
    "list_objects": ({"object_type": "acount"}, "'account'"),
    "search_objects": ({"query": "   "}, "query"),
    "get_objects": ({"ids": ["acc_x"] * 51}, "50"),
    "search_properties": ({"object_type": "acount"}, "account"),
    "list_custom_object_types": ({"extra": True}, "unknown argument"),
    "get_custom_object_instances": ({"type": "integrations"}, "integration"),
    "get_group_membership": ({"id": "acc_doesnotexist"}, "NOT_FOUND"),
    "get_task_comments": ({"task_id": "tsk_nope"}, "NOT_FOUND"),
    "get_product_usage": ({"id": "acc_1", "interval": "fortnight"}, "'week'"),
    "semantic_search": ({"query": "renewal", "limit": 500}, "50"),
    "account_timeline": ({"account": "per_notanaccount"}, "NOT_FOUND"),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("tool", list(INVALID_CALLS))
async def test_every_tool_answers_valid_arguments_and_explains_invalid_ones(
    live: Live, ids: dict[str, str], mode: str, tool: str
) -> None:
    persona = await live.persona("restricted admin")
    async with persona.client(mode) as client:
        # when called correctly
        answer = await call(client, tool, valid_calls(ids)[tool])
        # then the JSON has content (lists: a total and a count that agree with the records)
        assert answer
        if "records" in answer:
            assert answer["count"] == len(answer["records"]) > 0
            assert answer["total"] >= answer["count"]
            assert all(r["url"].startswith(live.base_url + "/records/") for r in answer["records"])
        # when called wrongly, then the error names the problem or the valid choice
        arguments, expected = INVALID_CALLS[tool]
        text = await call_error(client, tool, arguments)
    assert expected in text, text


async def test_a_misspelled_filter_field_gets_a_did_you_mean(live: Live) -> None:
    persona = await live.persona("restricted admin")
    async with persona.client() as client:
        text = await call_error(
            client,
            "list_objects",
            {
                "object_type": "account",
                "filters": [{"field": "helth_score", "op": "lt", "value": 50}],
            },
        )
    error = json.loads(text)["error"]
    assert error["code"] == "BAD_INPUT"
    assert "health_score" in error["did_you_mean"]
    assert error["argument"] == "filters"


@pytest.mark.parametrize(
    ("tool", "arguments", "argument"),
    [
        ("list_objects", {"object_type": "account", "limit": "x"}, "limit"),
        ("list_objects", {"object_type": 5}, "object_type"),
        ("account_timeline", {"account": "Acme Corp", "kinds": "meeting"}, "kinds"),
    ],
)
async def test_a_wrongly_typed_argument_is_named_in_our_error_format(
    live: Live, tool: str, arguments: dict[str, Any], argument: str
) -> None:
    persona = await live.persona("restricted admin")
    async with persona.client() as client:
        text = await call_error(client, tool, arguments)
    # the same structured error as every other refusal, not the validation library's own text
    error = json.loads(text)["error"]
    assert error["code"] == "BAD_INPUT"
    assert error["argument"] == argument
    assert error["message"].startswith(argument)
    assert "pydantic" not in text


async def test_an_unknown_field_lists_the_types_fields_including_custom_ones(live: Live) -> None:
    persona = await live.persona("restricted admin")
    async with persona.client() as client:
        text = await call_error(
            client, "list_objects", {"object_type": "account", "fields": ["tierr"]}
        )
    error = json.loads(text)["error"]
    assert error["did_you_mean"] == ["tier"]
    assert {"health_score", "arr", "tier"} <= set(error["valid_choices"])


async def test_custom_fields_and_relative_dates_work_in_filters(live: Live) -> None:
    persona = await live.persona("restricted admin")
    async with persona.client() as client:
        tier = await call(
            client,
            "list_objects",
            {
                "object_type": "account",
                "filters": [{"field": "tier", "op": "eq", "value": "Tier 1"}],
                "fields": ["tier", "health_score"],
            },
        )
        recent = await call(
            client,
            "list_objects",
            {
                "object_type": "activity",
                "filters": [{"field": "occurred_at", "op": "gte", "value": "-7d"}],
                "limit": 100,
            },
        )
        grouped = await call(
            client,
            "list_objects",
            {
                "object_type": "account",
                "filters": [{"field": "group", "op": "eq", "value": "At Risk"}],
            },
        )
    assert tier["total"] > 0
    assert all(r["tier"] == "Tier 1" for r in tier["records"])
    assert 0 < recent["total"] < 10_000
    assert "Acme Corp" in {r["name"] for r in grouped["records"]}
