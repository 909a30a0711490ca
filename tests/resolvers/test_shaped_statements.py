"""Lists, loads, usage and timelines read through statements built once per shape (issue 12).

A cached statement serves every caller of its shape with their own values bound: these tests
prove that callers sharing one never see each other's rows, that values inside filters and
cursors are bound per call rather than kept from the caller who built the statement, and that
the caches stay bounded.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from accountlens.resolvers import lists, timeline, usage
from accountlens.resolvers.shapes import ShapeCache
from accountlens.schema.ids import encode_id
from tests.factories import (
    create_account,
    create_activity,
    create_org,
    create_ticket,
    create_usage,
    create_user,
)
from tests.schema.helpers import data_of, execute

NAMES = """query($filter: [FilterInput!], $after: String) {
  accounts(filter: $filter, first: 1, after: $after, sort: [{field: "name"}]) {
    totalCount nodes { name owner { name } } pageInfo { endCursor }
  }
}"""
BY_ID = "query($id: ID!) { node(id: $id) { ... on Account { name } } }"
USAGE = """query($id: ID!) { productUsage(id: $id, since: "2025-03-03", until: "2025-03-09") {
  subject { displayName } current { events } buckets { totals { events } }
  features { feature current { events } } } }"""


def names(data: dict[str, Any]) -> list[str]:
    return [n["name"] for n in data["accounts"]["nodes"]]


async def two_members_each_owning_an_account(
    db: Database,
) -> tuple[uuid.UUID, Principal, Principal, uuid.UUID, uuid.UUID]:
    """A restricted org, its members Ann and Bob, and the accounts North (Ann's) and South."""
    org = await create_org(db)
    ann = await create_user(db, org)
    bob = await create_user(db, org)
    north = await create_account(db, org, "North", owner=ann.user_id)
    south = await create_account(db, org, "South", owner=bob.user_id)
    return org, ann, bob, north, south


async def test_callers_sharing_a_cached_list_statement_each_get_only_their_own_rows(
    fresh_db: Database,
) -> None:
    # given: two members of a restricted org with a book each (one shape), its admin, and a
    # member of an open org (two more shapes)
    org = await create_org(fresh_db)
    ann = await create_user(fresh_db, org, name="Ann")
    bob = await create_user(fresh_db, org, name="Bob")
    admin = await create_user(fresh_db, org, role="admin")
    await create_account(fresh_db, org, "Acme North", owner=ann.user_id)
    await create_account(fresh_db, org, "Acme West", owner=ann.user_id)
    await create_account(fresh_db, org, "Acme South", owner=bob.user_id)
    open_org = await create_org(fresh_db, visibility="open")
    cyd = await create_user(fresh_db, open_org, name="Cyd")
    await create_account(fresh_db, open_org, "Acme Elsewhere")
    built = lists._lists.builds
    # when each lists the accounts whose name starts with "acme", one after the other
    acme = [{"field": "name", "op": "STARTS_WITH", "value": "acme"}]
    seen = {}
    for label, caller in (("ann", ann), ("bob", bob), ("admin", admin), ("cyd", cyd)):
        page = (await data_of(fresh_db, caller, NAMES, filter=acme))["accounts"]
        seen[label] = (page["totalCount"], [n["name"] for n in page["nodes"]])
    # then each got their own rows and totals, and their own owners joined in
    assert seen == {
        "ann": (2, ["Acme North"]),
        "bob": (1, ["Acme South"]),
        "admin": (3, ["Acme North"]),
        "cyd": (1, ["Acme Elsewhere"]),
    }
    # Three shapes (a member with a book, an admin, an open org's member): Bob reused the
    # statement built for Ann, so his rows came through its parameters.
    assert lists._lists.builds - built <= 3


async def test_filter_and_cursor_values_are_bound_per_call_not_kept_from_the_first_caller(
    fresh_db: Database,
) -> None:
    # given an admin and accounts of two name prefixes
    org = await create_org(fresh_db)
    admin = await create_user(fresh_db, org, role="admin")
    for name in ("Acme A", "Acme B", "Beta A", "Beta B"):
        await create_account(fresh_db, org, name)
    # when the same shape of filter asks for each prefix, then for each one's second page
    firsts, seconds = {}, {}
    for prefix in ("acme", "beta"):
        wanted = [{"field": "name", "op": "STARTS_WITH", "value": prefix}]
        page = await data_of(fresh_db, admin, NAMES, filter=wanted)
        firsts[prefix] = names(page)
        after = page["accounts"]["pageInfo"]["endCursor"]
        seconds[prefix] = names(await data_of(fresh_db, admin, NAMES, filter=wanted, after=after))
    # then each call used its own prefix and its own cursor
    assert firsts == {"acme": ["Acme A"], "beta": ["Beta A"]}
    assert seconds == {"acme": ["Acme B"], "beta": ["Beta B"]}


async def test_loads_by_id_and_usage_through_one_statement_each_keep_to_the_callers_book(
    fresh_db: Database,
) -> None:
    # given two members of a restricted org, each owning an account with usage
    org, ann, bob, north, south = await two_members_each_owning_an_account(fresh_db)
    start = date(2025, 3, 3)
    for account, events in ((north, 10), (south, 7)):
        for offset in range(7):
            day = start + timedelta(days=offset)
            await create_usage(fresh_db, org, account, day, events=events)
            await create_usage(fresh_db, org, account, day, events=1, feature=f"f{events}")
    # when each reads both accounts by ID and asks for both accounts' usage
    found: dict[tuple[str, str], Any] = {}
    for label, caller in (("ann", ann), ("bob", bob)):
        for account_label, account in (("north", north), ("south", south)):
            node = await data_of(fresh_db, caller, BY_ID, id=encode_id("account", account))
            data, errors = await execute(fresh_db, caller, USAGE, id=encode_id("account", account))
            found[(label, account_label)] = (
                node["node"],
                data["productUsage"] if data else errors[0]["extensions"]["code"],
            )

    # then each sees their own account and its usage only; the other's is not found
    def visible(name: str, events: int) -> Any:
        feature = {"feature": f"f{events}", "current": {"events": 7}}
        return (
            {"name": name},
            {
                "subject": {"displayName": name},
                "current": {"events": events * 7},
                "buckets": [{"totals": {"events": events * 7}}],
                "features": [feature],
            },
        )

    assert found == {
        ("ann", "north"): visible("North", 10),
        ("ann", "south"): (None, "NOT_FOUND"),
        ("bob", "north"): (None, "NOT_FOUND"),
        ("bob", "south"): visible("South", 7),
    }


TIMELINE = """query($id: ID!, $first: Int, $after: String, $kinds: [String!]) {
  accountTimeline(accountId: $id, since: "-30d", first: $first, after: $after, kinds: $kinds) {
    totalCount account { displayName } pageInfo { hasNextPage endCursor } nodes { title } } }"""
#: The total asked through a fragment: counted on its own, when resolved.
TIMELINE_LATE_TOTAL = """query($id: ID!) { accountTimeline(accountId: $id, first: 1) {
  ...total nodes { title } } } fragment total on TimelineConnection { totalCount }"""


async def test_timelines_through_one_statement_keep_to_the_callers_book_window_and_cursor(
    fresh_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given two members of a restricted org, each owning an account with three recent
    # events, one older than the window, and two events of their own on the other's account
    org, ann, bob, north, south = await two_members_each_owning_an_account(fresh_db)
    now = datetime.now(UTC)
    for account, name in ((north, "N"), (south, "S")):
        for days in (1, 2):
            await create_activity(
                fresh_db, org, account, f"{name} call {days}", now - timedelta(days=days)
            )
        await create_ticket(fresh_db, org, account, f"{name} ticket", now - timedelta(days=3))
        await create_activity(fresh_db, org, account, f"{name} old", now - timedelta(days=60))
    monkeypatch.setattr(timeline, "_statements", ShapeCache(8))
    # when each reads both timelines two at a time, then the rest after the cursor
    found: dict[tuple[str, str], Any] = {}
    for label, caller in (("ann", ann), ("bob", bob)):
        for account_label, account in (("north", north), ("south", south)):
            account_id = encode_id("account", account)
            data, errors = await execute(fresh_db, caller, TIMELINE, id=account_id, first=2)
            if not data:
                found[(label, account_label)] = errors[0]["extensions"]["code"]
                continue
            page = data["accountTimeline"]
            rest = await data_of(
                fresh_db, caller, TIMELINE, id=account_id, after=page["pageInfo"]["endCursor"]
            )
            found[(label, account_label)] = (
                page["account"]["displayName"],
                page["totalCount"],
                [n["title"] for n in page["nodes"]],
                page["pageInfo"]["hasNextPage"],
                [n["title"] for n in rest["accountTimeline"]["nodes"]],
                rest["accountTimeline"]["pageInfo"]["hasNextPage"],
            )
    # then each saw their own account's events, newest first, paged by their own cursor; the
    # other's account is not found; and one statement per shape served them all
    assert found == {
        ("ann", "north"): ("North", 3, ["N call 1", "N call 2"], True, ["N ticket"], False),
        ("ann", "south"): "NOT_FOUND",
        ("bob", "north"): "NOT_FOUND",
        ("bob", "south"): ("South", 3, ["S call 1", "S call 2"], True, ["S ticket"], False),
    }
    assert timeline._statements.builds == len(timeline._statements) == 2  # cursor or not


async def test_a_timeline_page_of_none_a_late_total_and_bad_input_answer_as_when_read_apart(
    fresh_db: Database,
) -> None:
    # given a member's account with two recent events, and an account outside their book
    org, ann, _, north, south = await two_members_each_owning_an_account(fresh_db)
    now = datetime.now(UTC)
    await create_activity(fresh_db, org, north, "Call", now - timedelta(days=1))
    await create_ticket(fresh_db, org, north, "Ticket", now - timedelta(days=2))
    mine, theirs = encode_id("account", north), encode_id("account", south)
    # when they ask for no events, for the total through a fragment, and with a bad kind
    none = await data_of(fresh_db, ann, TIMELINE, id=mine, first=0)
    late = await data_of(fresh_db, ann, TIMELINE_LATE_TOTAL, id=mine)
    _, bad_mine = await execute(fresh_db, ann, TIMELINE, id=mine, kinds=["meetings"])
    _, bad_theirs = await execute(fresh_db, ann, TIMELINE, id=theirs, kinds=["meetings"])
    # then no events and no next page but the whole total; the late total counts the window;
    # and a bad kind is bad input on their account but "not found" on one they may not see
    assert none["accountTimeline"]["nodes"] == []
    assert none["accountTimeline"]["pageInfo"]["hasNextPage"] is False
    assert none["accountTimeline"]["totalCount"] == 2
    assert late["accountTimeline"] == {"totalCount": 2, "nodes": [{"title": "Call"}]}
    assert bad_mine[0]["extensions"]["code"] == "BAD_INPUT"
    assert bad_theirs[0]["extensions"]["code"] == "NOT_FOUND"


async def test_the_list_statement_cache_stays_bounded_and_right_after_evictions(
    fresh_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a cache of three list shapes and an admin with accounts of several sizes
    monkeypatch.setattr(lists, "_lists", ShapeCache(3))
    org = await create_org(fresh_db)
    admin = await create_user(fresh_db, org, role="admin")
    for i in range(1, 6):
        await create_account(fresh_db, org, f"Account {i}", employees=i * 10)
    ops = ("EQ", "NE", "LT", "LTE", "GT", "GTE")
    # when six shapes of filter are listed twice over
    results = []
    for _ in range(2):
        for op in ops:
            wanted = [{"field": "employees", "op": op, "value": 30}]
            page = await data_of(fresh_db, admin, NAMES, filter=wanted)
            results.append(page["accounts"]["totalCount"])
    # then the cache never held more than three, and every answer was right
    assert len(lists._lists) == 3
    assert results == [1, 4, 2, 3, 2, 3] * 2


def test_a_shape_cache_evicts_the_least_recently_used_entry() -> None:
    # given a cache of two, with "a" used after "b"
    cache: ShapeCache[str] = ShapeCache(2)
    cache.get("a", lambda: "A")
    cache.get("b", lambda: "B")
    cache.get("a", lambda: "not rebuilt")
    # when a third shape arrives
    cache.get("c", lambda: "C")
    # then "b" went, "a" stayed as built, and the cache holds two
    assert len(cache) == 2
    assert cache.get("a", lambda: "rebuilt") == "A"
    assert cache.get("b", lambda: "rebuilt") == "rebuilt"


def test_the_usage_timeline_and_load_caches_are_bounded() -> None:
    assert usage._statements.size == usage.USAGE_CACHE_SIZE
    assert timeline._statements.size == timeline._counts.size == timeline.TIMELINE_CACHE_SIZE
    assert lists._loads.size == lists._children.size == lists.LOAD_CACHE_SIZE
