"""The GraphQL questions the fuzz tests ask, and the checks shared by several properties.

Documents are module constants (parsed and validated once, like the MCP adapter's); the
helpers page a list or a search to its end, and judge errors: a caller's input may earn a
typed client error, never a masked fault.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from hypothesis import strategies as st

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from accountlens.schema.ids import decode_id
from tests.schema.helpers import execute
from tests.security.oracle import Oracle, assert_no_internals, ids_where, members_where
from tests.security.strategies import LIST_ROOTS, Pools, odd_text

#: Error codes a caller's input may earn; anything else (or no code) is a fault of ours.
CLIENT_CODES = {"BAD_INPUT", "NOT_FOUND", "BAD_REQUEST", "QUERY_TOO_COSTLY"}
#: Beyond this many matches, totals are checked against the visible set without paging.
PAGE_ALL = 200

NODES = """
query Lookup($ids: [ID!]!) {
  nodes(ids: $ids) {
    id objectType displayName
    ... on Account {
      arr { amount } custom domain healthScore
      owner { id displayName } team { id displayName } accountTeam { user { id } }
      groups { id displayName } people(first: 50) { id displayName }
      opportunities(first: 50) { id } tickets(first: 50) { id } activities(first: 50) { id }
      tasks(first: 50) { id } projects(first: 50) { id }
      timeline(since: "-1000d", first: 50) { recordId node { id displayName } }
    }
    ... on Person { account { id displayName arr { amount } custom } groups { id } }
    ... on Opportunity { account { id } owner { id } }
    ... on Activity { account { id } user { id } participants { id displayName } }
    ... on Ticket { account { id } requester { id displayName } }
    ... on Task { account { id } assignee { id } creator { id } comments(first: 50) { id } }
    ... on TaskComment { task { id displayName } author { id } }
    ... on Project { account { id } owner { id } members { id } }
    ... on CustomObject { account { id } customType { id displayName count } }
    ... on CustomObjectType { count }
    ... on Document { account { id displayName } }
    ... on Group {
      memberAccounts: accounts(first: 100) { totalCount nodes { id displayName } }
      memberPeople: people(first: 100) { totalCount nodes { id displayName } }
    }
    ... on Team { members { id displayName } }
  }
}
"""


def assert_client_errors(errors: list[dict[str, Any]], where: object) -> None:
    """Every error is one the caller's input earned, and says nothing about our insides."""
    assert errors
    for error in errors:
        code = (error.get("extensions") or {}).get("code")
        coercion = str(error.get("message", "")).startswith("Variable '$")
        assert code in CLIENT_CODES or coercion, (where, error)
        assert_no_internals(json.dumps(error), where)


def assert_refused_as_unstorable(errors: list[dict[str, Any]]) -> None:
    assert errors
    assert all(e["extensions"]["code"] == "BAD_INPUT" for e in errors), errors


async def all_ids(
    db: Database,
    who: Principal,
    root: str,
    args: dict[str, Any],
    extra: str = "",
    limit: int | None = None,
    page_size: int = 100,
) -> tuple[set[uuid.UUID], int]:
    """Every id a list returns for ``who``, paging to the end, and its total (only the total
    when it is over ``limit``). Each record must come exactly once."""
    query = (
        f"query($filter: [FilterInput!], $sort: [SortInput!], $after: String{extra}) "
        f"{{ {root}(filter: $filter, sort: $sort, first: {page_size}, after: $after"
        f"{', type: $type' if extra else ''}) "
        "{ totalCount pageInfo { hasNextPage endCursor } nodes { id } } }"
    )
    ids: set[uuid.UUID] = set()
    after = None
    while True:
        data, errors = await execute(db, who, query, after=after, **args)
        assert not errors, errors
        assert data is not None
        page = data[root]
        if limit is not None and page["totalCount"] > limit:
            return ids, page["totalCount"]
        found = {decode_id(n["id"])[1] for n in page["nodes"]}  # type: ignore[index]
        assert not found & ids, "a record came twice while paging"
        ids |= found
        if not page["pageInfo"]["hasNextPage"]:
            return ids, page["totalCount"]
        after = page["pageInfo"]["endCursor"]


def check_counts(oracle: Oracle, who: Principal, node: dict[str, Any]) -> None:
    """Totals and complete lists inside a record equal what ``who`` may see of them."""
    type_key, row_id = decode_id(node["id"])  # type: ignore[misc]
    visible = oracle.visible[who.user_id]
    if type_key == "group":
        for field, column, kind in (("memberAccounts", "account_id", "account"),
                                    ("memberPeople", "person_id", "person")):  # fmt: skip
            members = members_where(oracle, "group_members", "group_id", row_id, column)
            assert node[field]["totalCount"] == len(members & visible[kind]), (who.email, node)
    if type_key == "custom_object_type":
        instances = ids_where(oracle, "custom_object_instances", "type_id", row_id)
        assert node["count"] == len(instances & visible["custom_object"])
    if type_key == "account":
        people = ids_where(oracle, "people", "account_id", row_id)
        if len(people) <= 50:
            assert {decode_id(p["id"])[1] for p in node["people"]} == people  # type: ignore[index]
    if type_key == "task":
        comments = ids_where(oracle, "task_comments", "task_id", row_id)
        if len(comments) <= 50:
            assert {decode_id(c["id"])[1] for c in node["comments"]} == comments  # type: ignore[index]
    if type_key == "team":
        members = members_where(oracle, "team_members", "team_id", row_id, "user_id")
        assert {decode_id(u["id"])[1] for u in node["members"]} == members  # type: ignore[index]


@st.composite
def list_question(draw: st.DrawFn, pools: Pools) -> tuple[str, str | None, dict[str, Any]]:
    """A root list (or one custom object type's rows), filters, sort and page size."""
    root = draw(st.sampled_from([*sorted(LIST_ROOTS), "customObjects"]))
    custom_type = None
    if root == "customObjects":
        custom_type = draw(st.one_of(st.sampled_from(pools.custom_types), odd_text()))
        type_key = "custom_object"
    else:
        type_key = LIST_ROOTS[root]
    sort = st.fixed_dictionaries(
        {"field": pools.field_names(type_key), "direction": st.sampled_from(["ASC", "DESC"])}
    )
    args = {
        "filter": draw(pools.filters(type_key, graphql=True)) or None,
        "sort": draw(st.lists(sort, max_size=2)) or None,
        "first": draw(st.integers(min_value=0, max_value=100)),
    }
    return root, custom_type, args


def expected_of(
    oracle: Oracle, who: Principal, root: str, custom_type: str | None
) -> set[uuid.UUID]:
    """What ``who`` may see of a list, unfiltered."""
    visible = oracle.visible[who.user_id]
    if custom_type is None:
        return visible[LIST_ROOTS[root]]
    types = {
        t["id"]
        for t in oracle.snap.tables["custom_object_types"]
        if t["org_id"] == who.org_id and t["key"] == custom_type.removeprefix("custom:")
    }
    rows = oracle.snap.tables["custom_object_instances"]
    return {r["id"] for r in rows if r["type_id"] in types} & visible["custom_object"]


#: JSON a forged cursor may carry where a sort value belongs: every type the encoder writes,
#: tagged (``{"t": …}`` a time, ``{"d": …}`` a date, ``{"n": …}`` a number, ``{"u": …}`` a
#: UUID) or not, with values no column can hold.
TAGGED = ["2025-01-01", "2025-01-01T00:00:00", "2025-01-01T00:00:00+00:00",
          "0001-01-01T00:00:00+14:00", "9999-12-31", "NaN", "Infinity", "1e400", "12.5",
          "0" * 32, "zz", ""]  # fmt: skip
CURSOR_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
        st.sampled_from(["\x00", "2025-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "NaN"]),
        st.builds(
            lambda tag, raw: {tag: raw},
            st.sampled_from(["t", "d", "n", "u", "x"]),
            st.sampled_from(TAGGED),
        ),
    ),
    lambda inner: st.lists(inner, max_size=3),
    max_leaves=4,
)


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64encode(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


SEARCH = (
    "query($q: String!, $types: [String!], $first: Int, $after: String) "
    "{ search(query: $q, types: $types, first: $first, after: $after) "
    "{ totalCount pageInfo { hasNextPage endCursor } "
    "hits { matched node { id objectType displayName } } } }"
)


async def search_all(
    db: Database, who: Principal, words: str, types: list[str] | None
) -> set[str] | None:
    """Every hit of a search, paging to the end (None past ``PAGE_ALL`` hits)."""
    found: set[str] = set()
    after = None
    while True:
        data, errors = await execute(db, who, SEARCH, q=words, types=types, first=100, after=after)
        assert not errors, errors
        assert data is not None
        page = data["search"]
        if page["totalCount"] > PAGE_ALL:
            return None
        found |= {h["node"]["id"] for h in page["hits"]}
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


#: Questions a customer-success lead would ask of transcripts and articles.
QUESTIONS = [
    "customer unhappy about pricing at renewal",
    "who is the champion for the rollout",
    "problems with SSO login",
    "how do I export a report",
    "reporting outages last week",
]

SEMANTIC = """
query($q: String!, $account: ID, $kinds: [String!], $since: String, $until: String,
      $first: Int!, $mode: SearchMode!) {
  semanticSearch(query: $q, accountId: $account, kinds: $kinds, since: $since, until: $until,
                 first: $first, mode: $mode) {
    strategy
    passages { id documentId accountId documentTitle text account { id displayName }
               document { id displayName } }
  }
}
"""

RECORD_QUESTIONS = {
    "productUsage": (
        "query($id: ID!, $since: String, $until: String) "
        "{ productUsage(id: $id, since: $since, until: $until) { subjectId current { events } } }",
        ("account", "person"),
    ),
    "accountTimeline": (
        "query($id: ID!, $since: String, $until: String) "
        "{ accountTimeline(accountId: $id, since: $since, until: $until, first: 100) "
        "{ totalCount nodes { recordId title node { id displayName } } } }",
        ("account",),
    ),
    "groupMemberships": (
        "query($id: ID!) { groupMemberships(memberId: $id) { id displayName } }",
        ("account", "person"),
    ),
    "taskComments": (
        "query($id: ID!) { taskComments(taskId: $id, first: 100) "
        "{ totalCount nodes { id displayName author { id } task { id } } } }",
        ("task",),
    ),
}

HTTP_QUERIES = {
    "lookup": NODES,
    "list": "query($filter: [FilterInput!]) { accounts(filter: $filter, first: 100) "
    "{ totalCount nodes { id displayName owner { id displayName } } } }",
}
