"""The number of SQL statements a query runs does not grow with its page size."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from accountlens.db.engine import Database
from accountlens.db.models import Account, AccountTeamMember, Opportunity, Person, Task, TaskComment
from tests.factories import create_group, create_org, create_team, create_user
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
