"""``asJson``: the values of a typed selection as one JSON value, for every type and persona."""

from __future__ import annotations

from typing import Any

import pytest
from gql.dsl import DSLInlineFragment

from accountlens.db.engine import Database
from accountlens.mcp_adapter.catalog import DEFAULT_FIELDS, LIST_TYPES
from accountlens.mcp_adapter.compile import Compiler
from accountlens.mcp_adapter.tools.search import _WITH_ACCOUNT, _hit_fields
from accountlens.object_types import ACCOUNT_ATTACHED
from accountlens.schema.root import schema
from tests.schema.demo import DEMO_USERS, demo_principal
from tests.schema.helpers import data_of, execute

COMPILER = Compiler(schema._schema)


def detail_fields(graphql_type: str) -> list[Any]:
    """Every field a record shows in ``get_objects`` (all but the paged related lists)."""
    return [f for f in COMPILER.catalog.fields(graphql_type).values() if not f.paged]


def both_documents(root_field: str, graphql_type: str) -> tuple[str, str]:
    """A page of 25 records selected typed and as ``asJson``, from the adapter's compiler."""
    ds = COMPILER.dsl
    fields = detail_fields(graphql_type)
    connection = graphql_type + "Connection"
    edge = getattr(ds, graphql_type + "Edge")
    conn = getattr(ds, connection)
    node = COMPILER.record(graphql_type, fields, custom=True)
    paths = COMPILER.record_paths(graphql_type, fields, custom=True)
    assert paths is not None

    def typed(_: Any) -> list[Any]:
        selection = conn.edges.select(edge.cursor, edge.node.select(*node))
        return [getattr(ds.Query, root_field).args(first=25).select(selection)]

    def as_json(_: Any) -> list[Any]:
        edges = ["edges.cursor", *(f"edges.node.{p}" for p in paths)]
        return [getattr(ds.Query, root_field).args(first=25).select(conn.asJson.args(fields=edges))]

    return (
        COMPILER.operation("Typed", typed, shape=graphql_type).document,
        COMPILER.operation("AsJson", as_json, shape=graphql_type).document,
    )


@pytest.mark.parametrize("persona", list(DEMO_USERS))
async def test_as_json_holds_exactly_the_typed_values_of_every_list_type(
    demo_db: Database, persona: str
) -> None:
    # given a persona of the demo workspace (admins, restricted members, an open org)
    who = await demo_principal(demo_db, DEMO_USERS[persona])
    for root_field, graphql_type in dict(LIST_TYPES.values()).items():
        typed, as_json = both_documents(root_field, graphql_type)
        # when a page of every field a record shows is read typed and as one JSON value
        expected = (await data_of(demo_db, who, typed))[root_field]["edges"]
        found = (await data_of(demo_db, who, as_json))[root_field]["asJson"]["edges"]
        # then both hold the same records, values, keys and key order
        assert found == expected, (persona, graphql_type)
        assert [list(e["node"]) for e in found] == [list(e["node"]) for e in expected]
        assert expected, (persona, graphql_type)  # every persona sees some of each type


async def test_as_json_of_records_by_id_and_of_usage_equals_the_typed_values(
    demo_db: Database,
) -> None:
    # given the narrow member and some records of each type they can see
    who = await demo_principal(demo_db, DEMO_USERS["narrow member"])
    ids: list[str] = []
    for root_field, _ in dict(LIST_TYPES.values()).items():
        page = await data_of(demo_db, who, f"{{ {root_field}(first: 3) {{ nodes {{ id }} }} }}")
        ids += [n["id"] for n in page[root_field]["nodes"]]
    account = ids[0]
    usage = """query($id: ID!, $json: Boolean!) { productUsage(id: $id, interval: WEEK) {
      asJson(fields: ["subjectId", "subject.displayName", "interval", "current.events",
                      "buckets.start", "buckets.totals.activeUsers", "features.feature",
                      "features.previous.minutes", "eventsChangePercent"]) @include(if: $json)
      subjectId subject { displayName } interval current { events }
      buckets { start totals { activeUsers } } features { feature previous { minutes } }
      eventsChangePercent
    } }"""
    # when product usage is read both ways
    data = (await data_of(demo_db, who, usage, id=account, json=True))["productUsage"]
    typed = {k: v for k, v in data.items() if k != "asJson"}
    # then the JSON value is the typed selection, key for key
    assert data["asJson"] == typed
    assert data["asJson"]["buckets"], "a demo account has weekly usage"
    # and a record by ID reads the same either way, whatever its type
    for record_id in ids:
        found = await data_of(
            demo_db,
            who,
            """query($id: ID!) { node(id: $id) { id
              asJson(fields: ["id", "objectType", "displayName", "updatedAt", "createdAt"])
            } }""",
            id=record_id,
        )
        node = found["node"]
        assert node["asJson"]["id"] == node["id"] == record_id
        assert set(node["asJson"]) == {"id", "objectType", "displayName", "updatedAt", "createdAt"}


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("edges.node.people.name", "takes arguments"),  # a paged related list
        ("edges.node.nonsense", "is not a field"),
        ("edges.node.name.first", "has no fields"),
        ("edges.node.owner", "needs sub-fields"),
        ("edges..name", "is not a field path"),
        (".".join(["edges.node.owner.teams.members"] * 3) + ".name", "deeper than queries"),
    ],
)
async def test_as_json_refuses_what_the_typed_selection_could_not_ask_for(
    demo_db: Database, path: str, problem: str
) -> None:
    # given the demo admin
    who = await demo_principal(demo_db, DEMO_USERS["restricted admin"])
    # when asJson is asked for a path no plain typed selection could be
    data, errors = await execute(
        demo_db, who, "query($f: [String!]!) { accounts { asJson(fields: $f) } }", f=[path]
    )
    # then it is refused as bad input, naming the path, and nothing is returned
    assert data is None or data["accounts"] is None
    (error,) = errors
    assert problem in error["message"], error
    assert error["extensions"]["code"] == "BAD_INPUT"


def test_the_tools_default_records_are_read_as_one_json_value() -> None:
    # given the tools' default fields of every list type, and a paged related list
    for object_type, (_, graphql_type) in LIST_TYPES.items():
        chosen = COMPILER.choose(graphql_type, None, DEFAULT_FIELDS[object_type])
        # then the default record is readable as asJson (the cheap path) …
        assert COMPILER.record_paths(graphql_type, chosen.standard, True) is not None
    people = COMPILER.choose("Account", ["name", "people"], ())
    # … and a record with a paged related list keeps its typed selection
    assert COMPILER.record_paths("Account", people.standard, False) is None


@pytest.mark.parametrize("persona", list(DEMO_USERS))
async def test_records_by_id_as_json_hold_exactly_their_typed_fragments(
    demo_db: Database, persona: str
) -> None:
    # given a persona (members have fields hidden from them) and records of each type they see
    who = await demo_principal(demo_db, DEMO_USERS[persona])
    ds = COMPILER.dsl
    for root_field, graphql_type in dict(LIST_TYPES.values()).items():
        page = await data_of(demo_db, who, f"{{ {root_field}(first: 25) {{ nodes {{ id }} }} }}")
        ids = [n["id"] for n in page[root_field]["nodes"]]
        fields = detail_fields(graphql_type)
        paths = COMPILER.record_paths(graphql_type, fields, custom=True)
        assert paths is not None
        by_type = {graphql_type: (fields, True)}
        type_ = getattr(ds, graphql_type)

        def typed(var: Any, by_type: Any = by_type) -> list[Any]:
            fragments = COMPILER.node_fragments(by_type)
            return [ds.Query.nodes.args(ids=var.ids).select(*fragments)]

        def as_json(var: Any, type_: Any = type_) -> list[Any]:
            fragment = DSLInlineFragment().on(type_).select(type_.asJson.args(fields=var.f))
            return [ds.Query.nodes.args(ids=var.ids).select(fragment)]

        shape = ("nodes", graphql_type)
        typed_doc = COMPILER.operation("TypedNodes", typed, shape=shape).document
        json_doc = COMPILER.operation("JsonNodes", as_json, shape=shape).document
        # when they are read by ID (a missing ID among them) typed and as one JSON value each
        asked = [*ids, ids[0][:-1] + ("0" if ids[0][-1] != "0" else "1")]
        expected = (await data_of(demo_db, who, typed_doc, ids=asked))["nodes"]
        found = (await data_of(demo_db, who, json_doc, ids=asked, f=paths))["nodes"]
        entries = [{"type": graphql_type, "fields": paths}]
        whole = await data_of(demo_db, who, WHOLE, ids=asked, f=entries)
        # then every record holds the same values, keys and key order, and the missing is null,
        # read one asJson per record or all of them as one value
        assert [n and n["asJson"] for n in found] == expected, (persona, graphql_type)
        assert [list(n["asJson"]) for n in found if n] == [list(n) for n in expected if n]
        assert whole["nodesAsJson"] == expected, (persona, graphql_type)
        assert [list(n) for n in whole["nodesAsJson"] if n] == [list(n) for n in expected if n]
        assert expected[-1] is None


WHOLE = "query($ids: [ID!]!, $f: [TypeFields!]!) { nodesAsJson(ids: $ids, fields: $f) }"


async def test_records_by_id_as_one_value_mix_types_and_refuse_what_asjson_refuses(
    demo_db: Database,
) -> None:
    # given the narrow member and one account and one person they can see
    who = await demo_principal(demo_db, DEMO_USERS["narrow member"])
    query = "{ accounts(first: 1) { nodes { id } } people(first: 1) { nodes { id } } }"
    page = await data_of(demo_db, who, query)
    account, person = page["accounts"]["nodes"][0]["id"], page["people"]["nodes"][0]["id"]
    fields = [
        {"type": "Account", "fields": ["id", "displayName", "owner.displayName"]},
        {"type": "Person", "fields": ["id", "email"]},
    ]
    # when both are read as one value, in the order asked, with each type's own fields
    found = await data_of(demo_db, who, WHOLE, ids=[person, account, person], f=fields)
    # then each record carries its type's fields, and an ID asked twice is answered twice
    first, second, third = found["nodesAsJson"]
    assert list(first) == ["id", "email"]
    assert first == third
    assert first["id"] == person
    assert list(second) == ["id", "displayName", "owner"]
    assert second["id"] == account
    # and a type that is not a record type, or a path asJson refuses, is refused as bad input
    for wrong, problem in (
        ([{"type": "Money", "fields": ["amount"]}], "not a record type"),
        ([{"type": "Account", "fields": ["people.name"]}], "takes arguments"),
    ):
        data, errors = await execute(demo_db, who, WHOLE, ids=[account], f=wrong)
        assert data is None or data["nodesAsJson"] is None
        (error,) = errors
        assert problem in error["message"]
        assert error["extensions"]["code"] == "BAD_INPUT"


HITS_JSON = (
    "query($q: String!, $f: JSON!) { search(query: $q, first: 25) { hitsAsJson(fields: $f) } }"
)


def typed_hits_document() -> str:
    """The search tool's selection before ``hitsAsJson``: typed fragments per record type."""
    ds = COMPILER.dsl
    accounts = {t: ([COMPILER.catalog.fields(t)["account"]], False) for t in _WITH_ACCOUNT}

    def roots(var: Any) -> list[Any]:
        node = ds.SearchHit.node.select(
            ds.Node.id,
            ds.Node.objectType,
            ds.Node.displayName,
            DSLInlineFragment().on(ds.Record).select(ds.Record.updatedAt),
            *COMPILER.node_fragments(accounts),
        )
        hits = ds.SearchConnection.hits.select(ds.SearchHit.score, ds.SearchHit.matched, node)
        return [ds.Query.search.args(query=var.q, first=25).select(hits)]

    return COMPILER.operation("TypedHits", roots, shape="typed hits").document


@pytest.mark.parametrize("persona", list(DEMO_USERS))
async def test_search_hits_as_one_value_hold_exactly_their_typed_selection(
    demo_db: Database, persona: str
) -> None:
    # given a persona and the paths the search tool gives every record type
    who = await demo_principal(demo_db, DEMO_USERS[persona])
    paths, _ = _hit_fields(COMPILER)
    typed_document = typed_hits_document()
    seen: set[str] = set()
    for query in ("acme", "renewal", "globex crop", "onboarding"):
        # when the same search is read typed and as one JSON value
        typed = (await data_of(demo_db, who, typed_document, q=query))["search"]["hits"]
        found = (await data_of(demo_db, who, HITS_JSON, q=query, f=paths))["search"]
        # then each hit holds the same score, match and record, keys in the same order
        assert found["hitsAsJson"] == typed, (persona, query)
        assert [list(h["node"]) for h in found["hitsAsJson"]] == [list(h["node"]) for h in typed]
        seen.update(h["node"]["objectType"] for h in typed)
    # and the searches found records of several types, some of them with their account
    assert len(seen) >= 3
    assert seen & set(ACCOUNT_ATTACHED)


async def test_search_hits_as_one_value_refuse_fields_of_the_wrong_shape(
    demo_db: Database,
) -> None:
    # given the admin
    who = await demo_principal(demo_db, DEMO_USERS["restricted admin"])
    for wrong in (["id"], {"Account": "id"}, {"Account": [1]}, {"Money": ["amount"]}):
        # when hitsAsJson is given fields that are not record types to lists of paths
        data, errors = await execute(demo_db, who, HITS_JSON, q="acme", f=wrong)
        # then the search answers a bad-input error, not a page
        assert data is None or data["search"] is None
        (error,) = errors
        assert error["extensions"]["code"] == "BAD_INPUT", wrong
