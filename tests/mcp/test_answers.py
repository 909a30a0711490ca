"""Answers a model can trust (issue 13): lookups of any mix of types, every item a record,
empty answers that explain themselves without leaking, and how fresh the data is."""

from __future__ import annotations

import dataclasses
import itertools
import logging
import uuid
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest
import pytest_asyncio
from sqlalchemy import text

from accountlens.mcp_adapter.compile import Compiler, Operation
from accountlens.mcp_adapter.execute import Executor
from accountlens.mcp_adapter.runtime import Runtime, answer
from accountlens.schema.root import schema
from tests.mcp.conftest import Live
from tests.mcp.live import call, call_error, payload_of
from tests.schema.demo import DEMO_USERS, demo_principal
from tests.schema.helpers import data_of

ADMIN = "restricted admin"
RECORD_KEYS = {"id", "type", "name", "url", "updated_at"}

#: One demo record of every type an ID can name, found as the restricted org's admin.
IDS_QUERY = """{
  accounts(first: 1) { nodes { id } }
  people(first: 1) { nodes { id } }
  opportunities(first: 1) { nodes { id } }
  tasks(first: 100) { nodes { id comments(first: 1) { id } } }
  activities(first: 1) { nodes { id } }
  projects(first: 1) { nodes { id } }
  tickets(first: 1) { nodes { id } }
  documents(first: 1) { nodes { id } }
  groups(first: 1) { nodes { id } }
  teams(first: 1) { nodes { id } }
  users(first: 1) { nodes { id } }
  customObjectTypes { id key }
}"""

NODE_TYPES = (
    "account", "person", "opportunity", "task", "task_comment", "activity", "project", "ticket",
    "document", "group", "team", "user", "custom_object_type", "custom_object",
)  # fmt: skip


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def demo_ids(live: Live) -> dict[str, str]:
    admin = await demo_principal(live.db, DEMO_USERS[ADMIN])
    data = await data_of(live.db, admin, IDS_QUERY)
    first = {key: data[root]["nodes"][0]["id"] for key, root in (
        ("account", "accounts"), ("person", "people"), ("opportunity", "opportunities"),
        ("activity", "activities"), ("project", "projects"), ("ticket", "tickets"),
        ("document", "documents"), ("group", "groups"), ("team", "teams"), ("user", "users"),
    )}  # fmt: skip
    task = next(t for t in data["tasks"]["nodes"] if t["comments"])
    first["task"] = task["id"]
    first["task_comment"] = task["comments"][0]["id"]
    custom_type = data["customObjectTypes"][0]
    first["custom_object_type"] = custom_type["id"]
    instances = await data_of(
        live.db,
        admin,
        f'{{ customObjects(type: "{custom_type["key"]}", first: 1) {{ nodes {{ id }} }} }}',
    )
    first["custom_object"] = instances["customObjects"]["nodes"][0]["id"]
    assert set(first) == set(NODE_TYPES)
    return first


# 1. get_objects takes any mix of types --------------------------------------------------------


@pytest.mark.parametrize(("left", "right"), list(itertools.combinations(NODE_TYPES, 2)))
async def test_get_objects_answers_any_pair_of_node_types_with_both_records_in_order(
    live: Live, demo_ids: dict[str, str], left: str, right: str
) -> None:
    # given a record of each of two types (person + task, activity + document …)
    persona = await live.persona(ADMIN)
    asked = [demo_ids[left], demo_ids[right]]
    # when one call asks for both, with every field of each
    async with persona.client() as client:
        found = await call(client, "get_objects", {"ids": asked})
    # then both come back, in the order asked, as records of their own types
    assert found["not_found"] == []
    assert [r["id"] for r in found["records"]] == asked
    assert [r["type"] for r in found["records"]] == [left, right]


async def test_get_objects_answers_one_record_of_every_type_at_once_with_related_lists(
    live: Live, demo_ids: dict[str, str]
) -> None:
    persona = await live.persona(ADMIN)
    asked = [demo_ids[t] for t in NODE_TYPES]
    async with persona.client() as client:
        found = await call(
            client, "get_objects", {"ids": asked, "include": ["people", "comments", "timeline"]}
        )
    assert [r["id"] for r in found["records"]] == asked
    person = next(r for r in found["records"] if r["type"] == "person")
    task = next(r for r in found["records"] if r["type"] == "task")
    # a person's optional title and a task's required one both arrive, under their own key
    assert "title" in person or "title" in task
    assert task["name"]


async def test_a_compiled_operation_that_fails_validation_is_logged_as_our_bug_and_answers_internal(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    # given the document get_objects used to compile for a person and a task (their `title`
    # fields have conflicting types, so GraphQL validation refuses it)
    admin = await demo_principal(live.db, DEMO_USERS[ADMIN])
    runtime = Runtime(
        Executor(schema, lambda *_: nullcontext()), Compiler(schema._schema), "", 10_000
    )
    secret = "per_secret-argument-value"
    request = SimpleNamespace(state=SimpleNamespace(principal=admin))
    ctx = SimpleNamespace(
        request_context=SimpleNamespace(
            request=request, params={"name": "get_objects", "arguments": {"ids": [secret]}}
        )
    )
    broken = Operation(
        "query GetObjects($ids: [ID!]!) { nodes(ids: $ids) { id "
        "... on Person { title } ... on Task { title } } }",
        "GetObjects",
        {"ids": [secret]},
    )
    # when a tool runs it
    with caplog.at_level(logging.ERROR, logger="accountlens"):
        result = await answer(runtime.run(cast(Any, ctx), broken))
    # then the model gets INTERNAL, and the log names the tool and the problem, not the values
    assert result.is_error
    assert payload_of(result)["error"]["code"] == "INTERNAL"
    (logged,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    message = logged.getMessage()
    assert "get_objects" in message
    assert "title" in message
    assert secret not in message


# 4. every item of every answer is a record ------------------------------------------------------


async def test_timeline_events_are_records_a_model_can_pass_to_get_objects(live: Live) -> None:
    persona = await live.persona(ADMIN)
    async with persona.client() as client:
        timeline = await call(
            client, "account_timeline", {"account": "Acme Corp", "since": "-90d", "limit": 50}
        )
        events = timeline["records"]
        # then every event has the record keys plus its own kind and time
        assert events
        assert all(set(e) >= RECORD_KEYS | {"kind", "at"} for e in events)
        assert {e["type"] for e in events} <= {
            "activity", "ticket", "task", "opportunity", "document"
        }  # fmt: skip
        # and the natural follow-up (details of those events, of mixed types) answers
        ids = list(dict.fromkeys(e["id"] for e in events))[:50]
        details = await call(client, "get_objects", {"ids": ids})
        account = await call(
            client, "get_objects", {"ids": [timeline["account"]["id"]], "include": ["timeline"]}
        )
    assert details["not_found"] == []
    assert [r["id"] for r in details["records"]] == ids
    # and the timeline included in an account's details is made of the same records
    included = account["records"][0]["timeline"]
    assert included
    assert all(set(e) >= RECORD_KEYS | {"kind", "at"} for e in included)
    # and the account the name resolved to is echoed, so the model can confirm it
    assert timeline["account"]["name"] == "Acme Corp"
    assert timeline["account"]["id"].startswith("acc_")


async def test_product_usage_names_the_account_its_id_is_of(
    live: Live, demo_ids: dict[str, str]
) -> None:
    persona = await live.persona(ADMIN)
    async with persona.client() as client:
        (account,) = (
            await call(client, "search_objects", {"query": "Acme Corp", "types": ["account"]})
        )["records"][:1]
        usage = await call(client, "get_product_usage", {"id": account["id"]})
    assert (usage["id"], usage["name"]) == (account["id"], account["name"])


# 5. empty answers explain themselves, without telling hidden from missing ------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def hidden_name(live: Live) -> str:
    """An account name of the restricted org that its narrow member may not see and that the
    open org does not have at all."""
    names: dict[str, set[str]] = {}
    for label in (ADMIN, "narrow member", "open-org admin"):
        who = await demo_principal(live.db, DEMO_USERS[label])
        data = await data_of(live.db, who, "{ accounts(first: 100) { nodes { name } } }")
        names[label] = {n["name"] for n in data["accounts"]["nodes"]}
    candidates = names[ADMIN] - names["narrow member"] - names["open-org admin"]
    assert candidates, "the demo has no account hidden from the narrow member"
    return sorted(candidates)[0]


def champions_at(name: str) -> dict[str, Any]:
    return {
        "object_type": "person",
        "filters": [
            {"field": "account.name", "op": "eq", "value": name},
            {"field": "persona", "op": "eq", "value": "champion"},
        ],
    }


async def test_a_name_that_matches_nothing_visible_gets_the_same_note_hidden_or_missing(
    live: Live, hidden_name: str
) -> None:
    # given an account that exists but is hidden from one member, and is missing in another org
    hidden_from = await live.persona("narrow member")
    missing_for = await live.persona("open-org member")
    # when each asks for the champions there
    async with hidden_from.client() as client:
        hidden = await call(client, "list_objects", champions_at(hidden_name))
        hidden_timeline = await call_error(client, "account_timeline", {"account": hidden_name})
    async with missing_for.client() as client:
        missing = await call(client, "list_objects", champions_at(hidden_name))
        missing_timeline = await call_error(client, "account_timeline", {"account": hidden_name})
    # then both get no records and a note saying no visible account matched, byte for byte
    # the same, that points at search_objects
    assert hidden["total"] == missing["total"] == 0
    assert hidden["note"] == missing["note"]
    assert "No visible account matched" in hidden["note"]
    assert "search_objects" in hidden["note"]
    assert "account" not in hidden
    assert "account" not in missing
    # and the timeline by that name is refused in the very same words
    assert hidden_timeline == missing_timeline
    assert "No visible account matched" in hidden_timeline


async def test_a_semantic_search_in_an_account_not_visible_says_so_the_same_hidden_or_missing(
    live: Live, hidden_name: str
) -> None:
    # given the ID of an account hidden from one member and foreign to another org's member
    admin = await demo_principal(live.db, DEMO_USERS[ADMIN])
    query = '{ accounts(filter: [{field: "name", op: EQ, value: $n}]) { nodes { id } } }'
    data = await data_of(live.db, admin, "query($n: JSON) " + query, n=hidden_name)
    hidden_id = data["accounts"]["nodes"][0]["id"]
    arguments = {"query": "worried about the renewal price", "account_id": hidden_id}
    # when each searches its transcripts
    async with (await live.persona("narrow member")).client() as client:
        hidden = await call(client, "semantic_search", arguments)
    async with (await live.persona("open-org member")).client() as client:
        missing = await call(client, "semantic_search", arguments)
    # then neither gets passages, and both read the same note pointing at search_objects
    assert hidden["passages"] == missing["passages"] == []
    assert hidden["note"] == missing["note"]
    assert "No visible account matched" in hidden["note"]
    assert "search_objects" in hidden["note"]


async def test_an_empty_list_at_a_visible_account_echoes_the_account_instead(live: Live) -> None:
    persona = await live.persona(ADMIN)
    arguments = {
        "object_type": "person",
        "filters": [
            {"field": "account.name", "op": "eq", "value": "Globex"},
            {"field": "email", "op": "eq", "value": "nobody@nowhere.example"},
        ],
    }
    async with persona.client() as client:
        empty = await call(client, "list_objects", arguments)
    assert empty["total"] == 0
    assert "note" not in empty
    assert empty["account"]["name"] == "Globex"
    assert empty["account"]["id"].startswith("acc_")


# 7. freshness ---------------------------------------------------------------------------------


def parsed_time(value: str) -> datetime:
    assert value.endswith("Z"), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_every_answer_says_when_it_was_read_and_records_when_they_changed(
    live: Live, demo_ids: dict[str, str]
) -> None:
    persona = await live.persona(ADMIN)
    before = datetime.now(UTC).replace(microsecond=0)
    async with persona.client() as client:
        answers = {
            "whoami": await call(client, "whoami", {}),
            "list_objects": await call(
                client, "list_objects", {"object_type": "account", "fields": [], "limit": 3}
            ),
            "search_objects": await call(client, "search_objects", {"query": "Acme"}),
            "get_objects": await call(client, "get_objects", {"ids": [demo_ids["person"]]}),
            "search_properties": await call(
                client, "search_properties", {"object_type": "account"}
            ),
            "account_timeline": await call(client, "account_timeline", {"account": "Acme Corp"}),
        }
    after = datetime.now(UTC) + timedelta(seconds=1)
    for tool, payload in answers.items():
        assert before <= parsed_time(payload["as_of"]) <= after, tool
    for tool in ("list_objects", "search_objects", "get_objects", "account_timeline"):
        for item in answers[tool]["records"]:
            assert parsed_time(item["updated_at"]) <= after, (tool, item)
    # fields: [] is identity only, and identity includes freshness
    assert all(set(r) == RECORD_KEYS for r in answers["list_objects"]["records"])


async def test_whoami_reports_when_each_data_source_of_the_org_was_last_imported(
    live: Live,
) -> None:
    # given the restricted org imported from a CRM export at a known time
    admin = await demo_principal(live.db, DEMO_USERS[ADMIN])
    at = datetime(2026, 11, 30, 6, 15, tzinfo=UTC)
    source = f"salesforce-{uuid.uuid4().hex[:6]}"
    async with live.db.engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO data_sources (org_id, source, last_imported_at) VALUES (:o, :s, :t)"),
            {"o": admin.org_id, "s": source, "t": at},
        )
    # when a member of that org and a member of the other org ask who they are
    async with (await live.persona("team member")).client() as client:
        mine = await call(client, "whoami", {})
    async with (await live.persona("open-org member")).client() as client:
        theirs = await call(client, "whoami", {})
    # then the first sees the source and its time; the other org sees nothing of it
    assert {"source": source, "last_imported_at": "2026-11-30T06:15:00Z"} in mine["data_sources"]
    assert all(s["source"] != source for s in theirs["data_sources"])


# 8. small fixes ---------------------------------------------------------------------------------


async def test_graphql_me_names_its_connection_with_the_id_the_connections_api_uses(
    live: Live,
) -> None:
    admin = await demo_principal(live.db, DEMO_USERS[ADMIN])
    connection = uuid.uuid4()
    through_mcp = dataclasses.replace(admin, connection_id=connection)
    data = await data_of(live.db, through_mcp, "{ me { connectionId } }")
    assert data["me"]["connectionId"] == "con_" + connection.hex


async def test_tool_arguments_accept_operators_and_directions_in_any_case(live: Live) -> None:
    persona = await live.persona(ADMIN)
    lower = {
        "object_type": "opportunity",
        "filters": [{"field": "stage_category", "op": "eq", "value": "open"}],
        "sort": [{"field": "amount", "direction": "desc"}],
    }
    upper = {
        "object_type": "opportunity",
        "filters": [{"field": "stage_category", "op": "EQ", "value": "open"}],
        "sort": [{"field": "amount", "direction": "DESC"}],
    }
    async with persona.client() as client:
        first = await call(client, "list_objects", lower)
        second = await call(client, "list_objects", upper)
    assert first["records"] == second["records"]
    assert first["total"] > 0
