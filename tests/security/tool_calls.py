"""MCP tool calls for the fuzz tests: random arguments for every tool, and what an answer or
a refusal must satisfy given what the caller may see."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from accountlens.schema.ids import decode_id, encode_id
from tests.schema.helpers import execute
from tests.security.oracle import Oracle
from tests.security.strategies import DATE_EXPRESSIONS, LIST_ROOTS, Pools, odd_text


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The argument left out (None) or given."""
    return st.none() | strategy


TOOLS = [
    "whoami", "list_objects", "search_objects", "get_objects", "search_properties",
    "list_custom_object_types", "get_custom_object_instances", "get_group_membership",
    "get_task_comments", "get_product_usage", "semantic_search", "account_timeline",
]  # fmt: skip
OBJECT_TYPES = ["account", "person", "opportunity", "task", "activity", "project", "ticket"]


@st.composite
def tool_call(draw: st.DrawFn, pools: Pools) -> tuple[str, dict[str, Any]]:
    """A tool and arguments for it: mostly well-typed, with hostile values in them."""
    tool = draw(st.sampled_from(TOOLS))
    limit = maybe(st.integers(min_value=-1, max_value=101))
    ids = pools.id_probes()
    args: dict[str, Any] = {}
    if tool == "list_objects":
        object_type = draw(st.sampled_from(OBJECT_TYPES))
        field_names = pools.field_names(object_type)
        args = {
            "object_type": object_type,
            "filters": draw(pools.filters(object_type)),
            "sort": draw(
                st.lists(
                    st.fixed_dictionaries(
                        {"field": field_names, "direction": st.sampled_from(["asc", "desc"])}
                    ),
                    max_size=2,
                )
            ),
            "fields": draw(maybe(st.lists(field_names, max_size=4))),
            "limit": draw(limit),
        }
    elif tool == "search_objects":
        args = {"query": draw(pools.search_text()), "limit": draw(limit)}
    elif tool == "get_objects":
        include = st.sampled_from(["people", "opportunities", "tickets", "timeline", "comments"])
        args = {
            "ids": draw(st.lists(ids, min_size=1, max_size=10)),
            "include": draw(maybe(st.lists(include, max_size=2))),
        }
    elif tool == "search_properties":
        args = {
            "object_type": draw(st.sampled_from([*OBJECT_TYPES, "custom_object"]) | odd_text()),
            "query": draw(maybe(odd_text())),
        }
    elif tool == "get_custom_object_instances":
        args = {
            "type": draw(st.sampled_from(pools.custom_types) | odd_text()),
            "limit": draw(limit),
        }
    elif tool in ("get_group_membership", "get_product_usage"):
        args = {"id": draw(ids)}
    elif tool == "get_task_comments":
        args = {"task_id": draw(ids), "limit": draw(limit)}
    elif tool == "semantic_search":
        args = {
            "query": draw(pools.search_text()),
            "account_id": draw(maybe(ids)),
            "mode": draw(st.sampled_from(["hybrid", "vector", "keyword"])),
            "limit": draw(maybe(st.integers(min_value=1, max_value=50))),
        }
    elif tool == "account_timeline":
        args = {
            "account": draw(ids | st.sampled_from(pools.names)),
            "since": draw(maybe(st.sampled_from(DATE_EXPRESSIONS))),
        }
    return tool, {k: v for k, v in args.items() if v is not None}


#: JSON-RPC error codes: the body was not JSON; the server failed.
PARSE_ERROR = -32700
INTERNAL_ERROR = -32603


def check_refusal(
    oracle: Oracle, who: Principal, tool: str, args: dict[str, Any], error: dict[str, Any]
) -> None:
    """A refusal must have been earned: a record the caller may see is never "not found"."""
    target = args.get("id") or args.get("task_id") or args.get("account")
    if error["code"] == "NOT_FOUND" and isinstance(target, str) and decode_id(target):
        kinds = {"get_task_comments": ("task",), "account_timeline": ("account",)}
        decoded = decode_id(target)
        assert decoded is not None
        if decoded[0] in kinds.get(tool, ("account", "person")):
            assert not oracle.may_see_id(who, target), (tool, args)


async def check_tool_answer(
    db: Database,
    oracle: Oracle,
    who: Principal,
    tool: str,
    args: dict[str, Any],
    answer: dict[str, Any],
) -> None:
    """Exact checks where the tool's answer is fully determined by the visible set."""
    if tool == "whoami":
        assert answer["user"]["email"] == who.email
        assert answer["org"]["id"] == encode_id("org", who.org_id)
    if tool == "get_objects":
        found = [r["id"] for r in answer["records"]]
        fetchable = [i for i in args["ids"] if oracle.fetchable(who, i)]
        assert found == fetchable, (args, found)
        assert answer["not_found"] == [i for i in args["ids"] if i not in fetchable]
    if tool == "list_objects":
        # The same question through GraphQL in-process: same total, same records in order.
        root = next(r for r, k in LIST_ROOTS.items() if k == args["object_type"])
        sort = [{"field": s["field"], "direction": s["direction"].upper()} for s in args["sort"]]
        data, errors = await execute(
            db,
            who,
            f"query($f: [FilterInput!], $s: [SortInput!], $n: Int) {{ {root}(filter: $f, "
            "sort: $s, first: $n) { totalCount nodes { id } } }",
            f=args["filters"] or None,
            s=sort or None,
            n=args.get("limit", 25),
        )
        assert not errors, errors
        assert data is not None
        assert answer["total"] == data[root]["totalCount"]
        ids = [n["id"] for n in data[root]["nodes"]]
        assert [r["id"] for r in answer["records"]] == ids[: len(answer["records"])]
        if not args["filters"]:
            assert answer["total"] == len(oracle.visible[who.user_id][args["object_type"]])
    if tool == "account_timeline" and decode_id(args["account"]) is None:
        wanted = args["account"].strip().lower()
        named = [
            encode_id("account", i)
            for i in oracle.visible[who.user_id]["account"]
            if oracle.names[("account", i)].lower() == wanted
        ]
        assert named == [answer["account_id"]], (args, named)


def string_slots(schema: dict[str, Any]) -> list[tuple[str, ...]]:
    """Paths to every string-valued argument in a tool's input schema.

    ``("query",)`` is a string argument, ``("ids", "[]")`` the strings of a list,
    ``("filters", "[]", "field")`` a string inside the objects of a list. Enumerations count
    (a client may send anything), and so does a value of any type (``filters[].value``).
    """
    definitions = schema.get("$defs", {})

    def resolve(node: dict[str, Any]) -> list[dict[str, Any]]:
        if "$ref" in node:
            return resolve(definitions[node["$ref"].rsplit("/", 1)[1]])
        if "anyOf" in node:
            return [r for option in node["anyOf"] for r in resolve(option)]
        return [node]

    def walk(node: dict[str, Any], path: tuple[str, ...]) -> list[tuple[str, ...]]:
        found: list[tuple[str, ...]] = []
        for option in resolve(node):
            kind = option.get("type")
            if kind == "string" or (kind is None and "properties" not in option):
                found.append(path)
            elif kind == "array":
                found += walk(option.get("items", {}), (*path, "[]"))
            elif kind == "object" or "properties" in option:
                for name, child in option.get("properties", {}).items():
                    found += walk(child, (*path, name))
        return sorted(set(found))

    return walk(schema, ())


def example_value(
    node: dict[str, Any], name: str, definitions: dict[str, Any], ids: dict[str, str]
) -> Any:
    """A valid value for a required argument (so the odd one is the only thing wrong)."""
    for option in [node, *node.get("anyOf", [])]:
        if "$ref" in option:
            return example_object(definitions[option["$ref"].rsplit("/", 1)[1]], definitions, ids)
        if "enum" in option:
            return option["enum"][0]
        if option.get("type") == "array":
            return [example_value(option.get("items", {}), name, definitions, ids)]
    return ids.get(name, "acme")


def example_object(
    schema: dict[str, Any], definitions: dict[str, Any], ids: dict[str, str]
) -> dict[str, Any]:
    properties = schema.get("properties", {})
    return {
        name: example_value(properties[name], name, definitions, ids)
        for name in schema.get("required", [])
    }


def with_slot(
    schema: dict[str, Any],
    base: dict[str, Any],
    path: tuple[str, ...],
    text: str,
    ids: dict[str, str],
) -> dict[str, Any]:
    """``base`` with the string at ``path`` replaced by ``text``."""
    definitions = schema.get("$defs", {})
    arguments: dict[str, Any] = json.loads(json.dumps(base))
    name, rest = path[0], path[1:]
    if not rest:
        arguments[name] = text
    elif rest == ("[]",):
        arguments[name] = [text]
    else:  # a string inside the objects of a list: one object, otherwise valid
        node = schema["properties"][name]
        item_ref = next(o["items"]["$ref"] for o in [node, *node.get("anyOf", [])] if "items" in o)
        item = example_object(definitions[item_ref.rsplit("/", 1)[1]], definitions, ids)
        item[rest[1]] = text
        arguments[name] = [item]
    return arguments
