"""Property-based cross-tenant fuzzing: whatever anyone asks, they see only what SPEC §4 allows.

Random principals (every user of both demo orgs: admins, restricted-org members with team,
account-team and narrow books, open-org members) ask with random IDs of every org and type
(records they may not see, other-typed, malformed), random filters, sorts, search strings and
semantic queries, through GraphQL in-process, GraphQL over HTTP and the MCP tools over HTTP.
The oracle (``tests.security.oracle``) is computed from raw rows, never from the resolvers.

Properties, for every example:
* every global ID anywhere in an answer is one the caller may see, and every record's name is
  its own; lookups return exactly the visible IDs; totals equal the visible matches (checked
  against the org admin's answer to the same question, restricted to the caller's records);
* nothing ends in a fault of ours: GraphQL errors are typed client errors, MCP calls answer
  with a result or a tool error, never an HTTP 5xx or an internal error.

How the async tests meet Hypothesis: see ``tests.security.strategies.fuzz`` (Hypothesis runs
in a worker thread and hands each drawn example to the session's event loop). Runs are
derandomized: CI sees the same examples every time; the counts are printed at the end of the
run.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from hypothesis import strategies as st

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from accountlens.schema.ids import decode_id
from tests.schema.demo import DEMO_USERS
from tests.schema.helpers import execute
from tests.security.conftest import FuzzServer
from tests.security.oracle import (
    Oracle,
    assert_no_internals,
    assert_tool_error_is_clean,
    has_surrogate,
    ids_where,
    unstorable,
)
from tests.security.questions import (
    CURSOR_VALUES,
    HTTP_QUERIES,
    NODES,
    PAGE_ALL,
    QUESTIONS,
    RECORD_QUESTIONS,
    SEARCH,
    SEMANTIC,
    all_ids,
    assert_client_errors,
    assert_refused_as_unstorable,
    b64decode,
    b64encode,
    check_counts,
    expected_of,
    list_question,
    search_all,
)
from tests.security.strategies import (
    DATE_EXPRESSIONS,
    EXAMPLES,
    LIST_ROOTS,
    OPS,
    SEARCHABLE,
    Pools,
    fuzz,
    mostly,
    odd_text,
)
from tests.security.tool_calls import PARSE_ERROR, check_refusal, check_tool_answer, tool_call


async def test_lookups_by_any_id_show_exactly_the_records_the_caller_may_see(
    demo_db: Database, oracle: Oracle, pools: Pools
) -> None:
    # given anyone, and IDs of every org and type, real, re-typed, unknown or malformed
    questions = st.tuples(pools.principals, st.lists(pools.id_probes(), min_size=1, max_size=12))

    async def check(question: tuple[Principal, list[str]]) -> None:
        who, probes = question
        # when they look them up, with every relation of every record
        answer, errors = await execute(demo_db, who, NODES, ids=probes)
        # then exactly the records they may see come back, and nothing else shows anywhere
        # (an ID with a NUL character or an unpaired surrogate is refused as bad input)
        if unstorable(probes):
            assert_refused_as_unstorable(errors)
            return
        assert not errors, errors
        assert answer is not None
        for probe, node in zip(probes, answer["nodes"], strict=True):
            assert (node is not None) == oracle.fetchable(who, probe), (who.email, probe)
            if node is not None:
                assert node["id"] == probe
                check_counts(oracle, who, node)
        oracle.check_answer(who, answer, probes, "nodes")

    await fuzz("graphql: lookups by id, with relations", questions, check, 100)


async def test_filtered_lists_show_and_count_only_what_the_caller_may_see(
    demo_db: Database, oracle: Oracle, pools: Pools
) -> None:
    # given anyone and a list question with random filters, sorts and page size
    questions = st.tuples(pools.principals, list_question(pools))

    async def check(question: tuple[Principal, tuple[str, str | None, dict[str, Any]]]) -> None:
        who, (root, custom_type, args) = question
        extra = ", $type: String!" if custom_type is not None else ""
        variables = dict(args, type=custom_type) if custom_type is not None else args
        query = (
            f"query($filter: [FilterInput!], $sort: [SortInput!], $first: Int{extra}) "
            f"{{ {root}(filter: $filter, sort: $sort, first: $first"
            f"{', type: $type' if extra else ''}) "
            "{ totalCount nodes { id displayName } } }"
        )
        # when they ask
        answer, errors = await execute(demo_db, who, query, **variables)
        # then the answer is a client error, or only visible records with an honest total
        if errors:
            assert_client_errors(errors, (root, variables))
            return
        assert answer is not None
        EXAMPLES["graphql: lists with random filters and sorts (answered)"] += 1
        oracle.check_answer(who, answer, variables, (root, variables))
        page = answer[root]
        total = page["totalCount"]
        visible = expected_of(oracle, who, root, custom_type)
        assert len(page["nodes"]) == min(args["first"], total)
        assert total <= len(visible)
        if not args["filter"]:
            assert total == len(visible), (who.email, root)
        if total and who.role != "admin":  # an admin's answer is the admin's answer
            await check_against_admin(demo_db, oracle, who, root, variables, total, visible)

    await fuzz("graphql: lists with random filters and sorts", questions, check, 100)


async def check_against_admin(
    db: Database,
    oracle: Oracle,
    who: Principal,
    root: str,
    variables: dict[str, Any],
    total: int,
    visible: set[uuid.UUID],
) -> None:
    """The org admin's answer to the same question, restricted to the caller's records, is
    exactly the caller's (filters mean the same for everyone in an org; only visibility
    differs). Checked whenever the admin's answer has at most ``PAGE_ALL`` records."""
    paging = {k: v for k, v in variables.items() if k != "first"}
    extra = ", $type: String!" if "type" in paging else ""
    admin = oracle.admin_of(who.org_id)
    theirs, admin_total = await all_ids(db, admin, root, paging, extra, limit=PAGE_ALL)
    if admin_total > PAGE_ALL:
        return
    # small lists in pages of 7, so their cursors (of every sort key) are used too
    mine, my_total = await all_ids(
        db, who, root, paging, extra, page_size=7 if total <= 35 else 100
    )
    assert mine == theirs & visible, (who.email, root, variables)
    assert my_total == total == len(mine)
    EXAMPLES["graphql: lists with random filters and sorts (total checked exactly)"] += 1


async def test_any_value_in_any_filter_is_answered_or_refused_as_the_callers_mistake(
    demo_db: Database, oracle: Oracle, pools: Pools
) -> None:
    # given anyone and one condition on a field of a type: numbers past any column's range,
    # NaN, dates past year 9999 or before year 1, IDs of another org, odd text, wrong shapes
    @st.composite
    def condition(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
        root = draw(st.sampled_from(sorted(LIST_ROOTS)))
        type_key = LIST_ROOTS[root]
        # a data type first, then a field of it: every kind of field gets its share
        by_type: dict[str, list[str]] = {}
        for name, data_type in sorted(pools.field_types[type_key].items()):
            by_type.setdefault(data_type, []).append(name)
        field = draw(
            st.sampled_from(sorted(by_type)).flatmap(lambda t: st.sampled_from(by_type[t]))
        )
        op = draw(st.sampled_from(OPS))
        value = draw(pools.values(type_key, field, op))
        return root, {"field": field, "op": op.upper(), "value": value}

    async def check(question: tuple[Principal, tuple[str, dict[str, Any]]]) -> None:
        who, (root, where) = question
        query = f"query($f: [FilterInput!]) {{ {root}(filter: $f, first: 3) {{ totalCount }} }}"
        # when they filter by it
        answer, errors = await execute(demo_db, who, query, f=[where])
        # then they get a count of their own records, or an error naming their mistake
        if errors:
            assert_client_errors(errors, where)
            return
        assert answer is not None
        assert answer[root]["totalCount"] <= len(oracle.visible[who.user_id][LIST_ROOTS[root]])
        EXAMPLES["graphql: one condition, any field, any value (answered)"] += 1

    questions = st.tuples(pools.principals, condition())
    await fuzz("graphql: one condition, any field, any value", questions, check, 150)


async def test_cursors_of_the_other_org_or_forged_ones_never_show_foreign_records(
    demo_db: Database, oracle: Oracle, pools: Pools
) -> None:
    # given the other org's cursor of a sorted list, as it is or with its values replaced by
    # any JSON (the signature stays right, so only the values can make it wrong)
    @st.composite
    def question(draw: st.DrawFn) -> tuple[str, list[dict[str, str]], list[Any] | None]:
        root = draw(st.sampled_from(sorted(LIST_ROOTS)))
        sortable = pools.fields[LIST_ROOTS[root]]
        sort = draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "field": st.sampled_from(sortable),
                        "direction": st.sampled_from(["ASC", "DESC"]),
                    }
                ),
                max_size=2,
            )
        )
        # None: the other org's own cursor, unchanged (its values are that org's records)
        return root, sort, draw(st.none() | st.lists(CURSOR_VALUES, max_size=4))

    async def check(
        value: tuple[Principal, tuple[str, list[dict[str, str]], list[Any] | None]],
    ) -> None:
        who, (root, sort, forged) = value
        query = (
            f"query($s: [SortInput!], $a: String) {{ {root}(sort: $s, first: 2, after: $a) "
            "{ totalCount pageInfo { endCursor } nodes { id displayName } } }"
        )
        other = next(p for p in oracle.principals if p.org_id != who.org_id and p.role == "admin")
        first, errors = await execute(demo_db, other, query, s=sort or None)
        if errors or first is None or first[root]["pageInfo"]["endCursor"] is None:
            return  # an unsortable field or an empty list: no cursor to forge
        cursor = first[root]["pageInfo"]["endCursor"]
        if forged is not None:
            signature = json.loads(b64decode(cursor))["s"]
            cursor = b64encode(json.dumps({"s": signature, "v": forged})).rstrip("=")
        # when they pass it as `after`
        answer, errors = await execute(demo_db, who, query, s=sort or None, a=cursor)
        # then it is refused as an invalid cursor, or it pages through their own records
        if errors:
            assert_client_errors(errors, (root, sort, forged))
            assert forged is not None  # a real cursor of the same sort is always taken
            EXAMPLES["graphql: cursors (forged, refused)"] += 1
            return
        assert answer is not None
        oracle.check_answer(who, answer, forged, (root, forged))
        EXAMPLES["graphql: cursors (answered)"] += 1

    questions = st.tuples(pools.principals, question())
    await fuzz("graphql: cursors of the other org, and forged ones", questions, check, 80)


async def test_paging_a_sorted_list_visits_each_visible_record_exactly_once(
    demo_db: Database, oracle: Oracle, pools: Pools
) -> None:
    # given anyone and a list sorted by one or two fields of any data type, either direction
    @st.composite
    def question(draw: st.DrawFn) -> tuple[str, list[dict[str, str]]]:
        root = draw(st.sampled_from(sorted(LIST_ROOTS)))
        by_type: dict[str, list[str]] = {}
        for name, data_type in sorted(pools.field_types[LIST_ROOTS[root]].items()):
            by_type.setdefault(data_type, []).append(name)
        field = st.sampled_from(sorted(by_type)).flatmap(lambda t: st.sampled_from(by_type[t]))
        key = st.fixed_dictionaries({"field": field, "direction": st.sampled_from(["ASC", "DESC"])})
        return root, draw(st.lists(key, min_size=1, max_size=2))

    async def check(value: tuple[Principal, tuple[str, list[dict[str, str]]]]) -> None:
        who, (root, sort) = value
        visible = oracle.visible[who.user_id][LIST_ROOTS[root]]
        probe = f"query($s: [SortInput!]) {{ {root}(sort: $s, first: 1) {{ totalCount }} }}"
        _, errors = await execute(demo_db, who, probe, s=sort)
        if errors:  # a field that cannot be sorted by
            assert_client_errors(errors, (root, sort))
            return
        # when they page through it to the end (small lists in pages of 7)
        size = 7 if len(visible) <= 70 else 100
        seen, total = await all_ids(demo_db, who, root, {"sort": sort}, page_size=size)
        # then every record they may see came exactly once, and no other
        assert seen == visible, (who.email, root, sort)
        assert total == len(visible)
        EXAMPLES["graphql: paging sorted lists to the end (sortable)"] += 1

    questions = st.tuples(pools.principals, question())
    await fuzz("graphql: paging sorted lists to the end", questions, check, 50)


async def test_keyword_search_finds_only_what_the_caller_may_see(
    demo_db: Database, oracle: Oracle, pools: Pools
) -> None:
    # given anyone searching for names of either org, typos, fragments or odd text
    types = st.none() | st.lists(st.sampled_from(SEARCHABLE) | odd_text(), max_size=3)
    questions = st.tuples(
        pools.principals, pools.search_text(), types, st.integers(min_value=0, max_value=100)
    )

    async def check(question: tuple[Principal, str, list[str] | None, int]) -> None:
        who, words, types, first = question
        # when they search
        answer, errors = await execute(demo_db, who, SEARCH, q=words, types=types, first=first)
        # then only records they may see are found, and the total counts only those
        if errors:
            assert_client_errors(errors, (words, types))
            return
        assert answer is not None
        oracle.check_answer(who, answer, {"q": words, "types": types}, ("search", words))
        found = answer["search"]
        assert len(found["hits"]) == min(first, found["totalCount"])
        admin = oracle.admin_of(who.org_id)
        if not found["totalCount"] or who == admin:
            return
        theirs = await search_all(demo_db, admin, words, types)
        if theirs is not None:
            mine = await search_all(demo_db, who, words, types)
            assert mine == {i for i in theirs if oracle.may_see_id(who, i)}, (who.email, words)
            assert found["totalCount"] == len(mine)
            EXAMPLES["graphql: keyword search (total checked exactly)"] += 1

    await fuzz("graphql: keyword search", questions, check, 60)


async def test_semantic_search_returns_only_passages_the_caller_may_see(
    demo_db: Database, oracle: Oracle, pools: Pools, embedder: Any
) -> None:
    # given anyone asking a question, maybe about one account (of any org), in a window
    arguments = st.fixed_dictionaries(
        {
            "q": mostly(
                st.sampled_from(QUESTIONS) | st.sampled_from(pools.names), pools.search_text()
            ),
            "account": mostly(st.none() | pools.real_ids("account"), pools.id_probes()),
            "kinds": mostly(
                st.none(), st.lists(st.sampled_from(["transcript", "kb_article", "x"]))
            ),
            "since": mostly(st.none(), st.sampled_from(DATE_EXPRESSIONS)),
            "until": mostly(st.none(), st.sampled_from(DATE_EXPRESSIONS)),
            "first": mostly(st.integers(min_value=1, max_value=50), st.sampled_from([-1, 0, 51])),
            "mode": st.sampled_from(["HYBRID", "VECTOR", "KEYWORD"]),
        }
    )

    async def check(question: tuple[Principal, dict[str, Any]]) -> None:
        who, args = question
        # when they search transcripts and articles
        answer, errors = await execute(
            demo_db, who, SEMANTIC, context={"embedder": embedder}, **args
        )
        # then every passage, document and account shown is one they may see
        if errors:
            assert_client_errors(errors, args)
            return
        assert answer is not None
        EXAMPLES["graphql: semantic search (answered)"] += 1
        oracle.check_answer(who, answer, args, ("semantic", args))
        passages = answer["semanticSearch"]["passages"]
        assert len(passages) <= args["first"]
        if args["account"] is not None:
            assert all(p["accountId"] == args["account"] for p in passages)
            if not oracle.may_see_id(who, args["account"]):
                assert passages == []

    await fuzz("graphql: semantic search", st.tuples(pools.principals, arguments), check, 50)


async def test_questions_about_one_record_are_answered_only_for_records_the_caller_may_see(
    demo_db: Database, oracle: Oracle, pools: Pools
) -> None:
    # given anyone, a question about one record, and an ID of any org and type
    window = mostly(st.none(), st.sampled_from(DATE_EXPRESSIONS))
    questions = st.tuples(
        pools.principals,
        st.sampled_from(sorted(RECORD_QUESTIONS)),
        mostly(pools.real_ids("account", "person", "task"), pools.id_probes()),
        st.fixed_dictionaries({"since": window, "until": window}),
    )

    async def check(question: tuple[Principal, str, str, dict[str, str | None]]) -> None:
        who, field, probe, span = question
        query, types = RECORD_QUESTIONS[field]
        # when they ask (usage and timelines over a window that may make no sense)
        windowed = "since" in query
        variables: dict[str, Any] = {"id": probe, **(span if windowed else {})}
        answer, errors = await execute(demo_db, who, query, **variables)
        # then a record they may see (of a type the question is about) is answered in full,
        # and any other ID is "not found", exactly like one that never existed
        decoded = decode_id(probe)
        if unstorable(probe):
            assert_refused_as_unstorable(errors)
            return
        if decoded is None or decoded[0] not in types or not oracle.may_see_id(who, probe):
            assert answer is None or answer.get(field) is None
            assert errors, answer
            assert all(e["extensions"]["code"] == "NOT_FOUND" for e in errors), errors
            return
        if errors and windowed and any(span.values()):
            assert_client_errors(errors, (field, probe, span))  # a window that makes no sense
            return
        assert not errors, errors
        assert answer is not None
        EXAMPLES["graphql: questions about one record (answered)"] += 1
        oracle.check_answer(who, answer, probe, (field, probe))
        type_key, row_id = decoded
        if field == "taskComments":
            comments = ids_where(oracle, "task_comments", "task_id", row_id)
            assert answer[field]["totalCount"] == len(comments)
        if field == "groupMemberships":
            rows = oracle.snap.tables["group_members"]
            groups = {r["group_id"] for r in rows if r[f"{type_key}_id"] == row_id}
            assert {decode_id(g["id"])[1] for g in answer[field]} == groups  # type: ignore[index]
        if field == "productUsage":
            assert answer[field]["subjectId"] == probe

    await fuzz("graphql: questions about one record", questions, check, 100)


async def test_graphql_over_http_shows_each_user_only_their_own_records(
    fuzz_server: FuzzServer, oracle: Oracle, pools: Pools
) -> None:
    # given a connected demo user and a lookup or filtered list, sent with their token
    users = [p for p in oracle.principals if p.email in DEMO_USERS.values()]
    questions = st.tuples(
        st.sampled_from(users),
        st.one_of(
            st.tuples(
                st.just("lookup"),
                st.fixed_dictionaries({"ids": st.lists(pools.id_probes(), min_size=1, max_size=8)}),
            ),
            st.tuples(
                st.just("list"),
                st.fixed_dictionaries(
                    {"filter": pools.filters("account", graphql=True).map(lambda f: f or None)}
                ),
            ),
        ),
    )

    async def check(question: tuple[Principal, tuple[str, dict[str, Any]]]) -> None:
        who, (kind, variables) = question
        token = (await fuzz_server.persona(who)).token
        # when they post it to /graphql
        response = await fuzz_server.http.post(
            "/graphql",
            content=json.dumps({"query": HTTP_QUERIES[kind], "variables": variables}),
            headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
        )
        # then it is answered (200, or a typed client error) with only their visible records
        assert response.status_code in (200, 400), response.text
        assert_no_internals(response.text, variables)
        body = response.json()
        if body.get("errors"):
            assert_client_errors(body["errors"], variables)
            return
        oracle.check_answer(who, body["data"], variables, ("http", kind))
        if kind == "lookup":
            for probe, node in zip(variables["ids"], body["data"]["nodes"], strict=True):
                assert (node is not None) == oracle.fetchable(who, probe)
        elif not variables["filter"]:
            visible = oracle.visible[who.user_id]["account"]
            assert body["data"]["accounts"]["totalCount"] == len(visible)

    await fuzz("graphql over HTTP with OAuth tokens", questions, check, 30)


async def test_mcp_tools_show_each_user_only_their_own_records_and_never_fail(
    fuzz_server: FuzzServer, demo_db: Database, oracle: Oracle, pools: Pools
) -> None:
    # given a connected demo user and a tool call with random arguments
    users = [p for p in oracle.principals if p.email in DEMO_USERS.values()]
    questions = st.tuples(st.sampled_from(users), tool_call(pools))
    calls = 0

    async def check(question: tuple[Principal, tuple[str, dict[str, Any]]]) -> None:
        nonlocal calls
        who, (tool, args) = question
        token = (await fuzz_server.persona(who)).token
        body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                "params": {"name": tool, "arguments": args}}  # fmt: skip
        # when they call it over /mcp
        response = await fuzz_server.rpc(token, body)
        # then the answer is a result or a tool error, never a fault, showing only their records
        assert_no_internals(response.text, (tool, args))
        reply = response.json()
        if has_surrogate(args):  # not JSON the SDK will read: a JSON-RPC parse error
            assert response.status_code == 400, response.text
            assert reply["error"]["code"] == PARSE_ERROR
            return
        assert response.status_code == 200, (tool, args, response.status_code, response.text)
        assert "result" in reply, (tool, args, reply)
        calls += 1
        result = reply["result"]
        if result.get("isError"):
            EXAMPLES["MCP tool calls over HTTP (refused with a tool error)"] += 1
            assert_tool_error_is_clean(result, (tool, args))
            oracle.check_answer(who, result, args, (tool, args))
            error = (result.get("structuredContent") or {}).get("error")
            if error is not None:
                check_refusal(oracle, who, tool, args, error)
            return
        EXAMPLES["MCP tool calls over HTTP (answered with records)"] += 1
        structured = result["structuredContent"]
        assert json.loads(result["content"][0]["text"]) == structured
        oracle.check_answer(who, structured, args, (tool, args))
        await check_tool_answer(demo_db, oracle, who, tool, args, structured)

    before = await fuzz_server.audit_rows()
    await fuzz("MCP tool calls over HTTP (JSON-RPC, OAuth tokens)", questions, check, 100)
    # and every call that reached a tool, whatever its arguments, left one audit row
    assert await fuzz_server.audit_rows(expected=before + calls) == before + calls
