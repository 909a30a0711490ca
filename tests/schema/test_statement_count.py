"""The number of SQL statements a query runs does not grow with its page size."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from accountlens.db.models import Account, AccountTeamMember, Opportunity, Person, Task, TaskComment
from tests.factories import (
    create_account,
    create_group,
    create_opportunity,
    create_org,
    create_person,
    create_task,
    create_team,
    create_user,
)
from tests.schema.helpers import data_of
from tests.wire import counting_wire

NESTED = """query($first: Int!) {
  accounts(first: $first) {
    totalCount
    nodes {
      name arr { amount }
      owner { name teams { name } }
      team { name members { name } }
      accountTeam { role user { name } }
      groups { name }
      people(first: 3) { name account { name } groups { name } }
      opportunities(first: 3) { name owner { name } account { name } }
      tasks(first: 2) { title assignee { name } comments { body author { name } } }
    }
  }
}"""
# A second tree on its own: DataLoaders shared by two root fields may or may not merge their
# batches depending on which root finishes first, which says nothing about page size.
TASKS = """query($first: Int!) {
  tasks(first: $first) {
    totalCount nodes { title account { name owner { name } } comments { body } }
  }
}"""


#: Statements of each tree (the org binding and the org row included): 30 and 12 before the
#: operation shared one transaction, joined owners and read totals with the page.
BOUNDS = {"accounts": 14, "tasks": 4}
CHEAP_PAGES = {
    "accounts": "{ accounts(first: 25) { totalCount nodes { name owner { name } } } }",
    "tasks": """{ tasks(first: 25) { totalCount nodes { title assignee { name }
                   account { name owner { name } } } } }""",
}


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    """The statements sent to the server, counted at the driver (both engines, raw reads too)."""
    with counting_wire() as wire:
        yield wire.statements


async def seed(db: Database, accounts: int) -> tuple[uuid.UUID, Any]:
    org = await create_org(db)
    admin = await create_user(db, org, role="admin")
    owner = await create_user(db, org)
    team = await create_team(db, org, owner.user_id)
    rows: dict[str, list[dict[str, Any]]] = {"a": [], "p": [], "o": [], "t": [], "c": [], "m": []}
    for i in range(accounts):
        account = uuid.uuid4()
        rows["a"].append(
            {"id": account, "org_id": org, "name": f"Account {i:03}",
             "owner_id": owner.user_id, "team_id": team, "arr_amount": 1000 + i}
        )  # fmt: skip
        rows["m"].append(dict(org_id=org, account_id=account, user_id=owner.user_id, role="csm"))
        for j in range(2):
            rows["p"].append(dict(org_id=org, account_id=account, name=f"P{i}-{j}"))
            rows["o"].append(dict(org_id=org, account_id=account, name=f"O{i}-{j}", stage="Won",
                                  stage_category="won", owner_id=owner.user_id))  # fmt: skip
        task = uuid.uuid4()
        rows["t"].append(dict(id=task, org_id=org, account_id=account, title=f"T{i}", status="open",
                              priority="low", assignee_id=owner.user_id))  # fmt: skip
        rows["c"].append(dict(org_id=org, task_id=task, body="ok", author_id=owner.user_id,
                              posted_at=datetime(2025, 1, 1, tzinfo=UTC)))  # fmt: skip
    async with db.sessions() as session, session.begin():
        for model, key in ((Account, "a"), (AccountTeamMember, "m"), (Person, "p"),
                           (Opportunity, "o"), (Task, "t")):  # fmt: skip
            await session.execute(insert(model), rows[key])
        await session.execute(insert(TaskComment), rows["c"])
    await create_group(db, org, "At Risk", members=tuple(r["id"] for r in rows["a"][:50]))
    return org, admin


async def test_a_nested_list_of_100_runs_as_many_statements_as_a_list_of_5(
    fresh_db: Database,
) -> None:
    # given
    _, admin = await seed(fresh_db, 120)
    for query, root in ((NESTED, "accounts"), (TASKS, "tasks")):
        # when (after one call that fills the per-process caches, e.g. property definitions)
        await data_of(fresh_db, admin, query, first=1)
        with counting(fresh_db) as small:
            few = await data_of(fresh_db, admin, query, first=5)
        with counting(fresh_db) as large:
            many = await data_of(fresh_db, admin, query, first=100)
        # then
        assert len(few[root]["nodes"]) == 5
        assert len(many[root]["nodes"]) == 100
        assert len(large) == len(small), (root, len(small), len(large))
        assert len(small) <= BOUNDS[root], (root, len(small), small)
    assert many["tasks"]["nodes"][99]["account"]["owner"] is not None


async def test_a_page_with_its_total_and_owners_takes_three_statements(fresh_db: Database) -> None:
    # given 120 accounts, each with a task, and a warmed per-process cache
    _, admin = await seed(fresh_db, 120)
    for root, query in CHEAP_PAGES.items():
        await data_of(fresh_db, admin, query)
        # when a page of 25 is read with its total and the records its rows point at
        with counting(fresh_db) as statements:
            data = await data_of(fresh_db, admin, query)
        # then: the org binding, the org row, and the page with its total and references
        assert data[root]["totalCount"] == 120
        assert len(data[root]["nodes"]) == 25
        assert len(statements) <= 3, (root, statements)


async def test_a_cheap_page_costs_four_round_trips(fresh_db: Database) -> None:
    # given 120 accounts, each with a task, and a warmed per-process cache
    _, admin = await seed(fresh_db, 120)
    for root, query in CHEAP_PAGES.items():
        await data_of(fresh_db, admin, query)
        # when a page of 25 is read with its total and the records its rows point at
        with counting_wire() as wire:
            data = await data_of(fresh_db, admin, query)
        # then: BEGIN with the org binding, the org row, the page, ROLLBACK (five before the
        # transaction was opened and bound in one exchange)
        assert len(data[root]["nodes"]) == 25
        assert wire.round_trips <= 4, (root, wire.round_trips, wire.statements)


HIT = """id objectType displayName
  ... on Account { name arr { amount } owner { name } }
  ... on Opportunity { name amount { amount } owner { name } account { name arr { amount } } }
  ... on Person { name email account { name } }
  ... on Task { title assignee { name } account { name owner { name } } }"""
SEARCH = (
    'query($first: Int!) { search(query: "zephyr", first: $first) { totalCount hits { matched '
    "node { " + HIT + " } } } }"
)
BY_ID = "query($ids: [ID!]!) { nodes(ids: $ids) { " + HIT + " } }"
HIDE = """mutation($type: String!, $field: String!, $hidden: Boolean!) {
  setFieldHidden(objectType: $type, field: $field, hidden: $hidden) { field hidden }
}"""


async def zephyr_org(db: Database) -> tuple[Principal, Principal]:
    """A restricted org's admin and a member who owns 12 of its 20 "Zephyr" accounts, each
    with an opportunity, a person and a task named alike; accounts' ARR hidden from members."""
    org = await create_org(db)
    admin = await create_user(db, org, role="admin")
    member = await create_user(db, org, name="Mina Member")
    other = await create_user(db, org, name="Otto Other")
    for i in range(20):
        owner = member if i < 12 else other
        account = await create_account(
            db, org, f"Zephyr {i:02}", owner=owner.user_id, arr_amount=Decimal(1000 + i)
        )
        mine = owner.user_id
        await create_opportunity(db, org, account, f"Zephyr deal {i:02}", owner_id=mine)
        await create_person(db, org, account, f"Zephyr person {i:02}", email=f"z{i}@zephyr.test")
        await create_task(db, org, f"Zephyr task {i:02}", account_id=account, assignee=mine)
    await data_of(db, admin, HIDE, type="account", field="arr", hidden=True)
    return admin, member


async def test_a_search_reads_its_hits_records_in_its_own_statement(fresh_db: Database) -> None:
    # given 80 records matching "zephyr" of four types, a member who sees 48 of them, and the
    # accounts' ARR hidden from members
    admin, member = await zephyr_org(fresh_db)
    for caller, visible in ((admin, 80), (member, 48)):
        await data_of(fresh_db, caller, SEARCH, first=1)  # warm the per-process caches
        # when they search for a page of 5 and a page of them all, the hits with their fields
        # and the records they point at
        with counting(fresh_db) as small:
            few = (await data_of(fresh_db, caller, SEARCH, first=5))["search"]
        with counting(fresh_db) as large:
            many = (await data_of(fresh_db, caller, SEARCH, first=100))["search"]
        # then each page costs what a cheap list does (the org binding, the org row, the
        # search with its hits' records), whatever its size
        assert len(small) <= 3, small
        assert len(large) == len(small), (len(small), len(large))
        # and the hits read exactly as the same records loaded by id
        assert few["totalCount"] == many["totalCount"] == visible
        assert len(many["hits"]) == visible
        nodes = [hit["node"] for hit in many["hits"]]
        loaded = await data_of(fresh_db, caller, BY_ID, ids=[n["id"] for n in nodes])
        assert nodes == loaded["nodes"]
        assert {n["objectType"] for n in nodes} == {"account", "opportunity", "person", "task"}
    # and the member's hits keep the ARR hidden and show none of the others' records
    arr = [n["arr"] for n in nodes if n["objectType"] == "account"]
    assert arr
    assert all(a is None for a in arr)
    assert all("Otto" not in str(n) for n in nodes)
