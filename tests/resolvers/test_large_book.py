"""A member whose book is past the inline limit sees exactly what they see with it inlined.

Past ``BOOK_INLINE_MAX`` the statements read the book themselves: once per statement (a
``WITH``), per row where a statement reads a few rows by id, and as one probe where every row is
of one account (a timeline). These tests lower the limit below the demo members' books, so the
same questions take those forms, and compare every answer with the inlined one.
"""

from __future__ import annotations

from typing import Any

import pytest

from accountlens.db.engine import Database
from accountlens.resolvers import reader, visibility
from accountlens.resolvers.reader import Reader
from tests.schema.demo import DEMO_USERS, demo_principal
from tests.schema.helpers import data_of, execute

MEMBERS = ("team member", "account-team member", "narrow member")

PAGES = """{
  accounts(first: 100) { totalCount nodes { id name owner { name } } }
  tickets(first: 100) { totalCount nodes { id subject account { name } requester { name } } }
  people(first: 100) { totalCount nodes { id name account { name } } }
  aAccounts: accounts(first: 100, filter: [{field: "name", op: STARTS_WITH, value: "A"}]) {
    totalCount nodes { id } }
  aTickets: tickets(first: 100, filter: [{field: "account.name", op: STARTS_WITH, value: "A"}]) {
    totalCount nodes { id } }
  atRisk: tickets(first: 100, filter: [{field: "account.segment", op: EQ, value: "At Risk"}]) {
    totalCount nodes { id } }
  champions: people(first: 100, filter: [{field: "persona", op: EQ, value: "champion"}]) {
    totalCount nodes { id account { name } } }
}"""
BY_ID = """query($ids: [ID!]!) { nodes(ids: $ids) { id displayName
  ... on Ticket { account { name } requester { name account { name } } }
  ... on Person { account { name } } } }"""
TIMELINE = """query($id: ID!) { accountTimeline(accountId: $id, since: "-1000d", first: 50) {
  totalCount account { displayName } nodes { title kind } } }"""
SEARCH = """{ search(query: "acme", first: 25) { totalCount hits { score node { id } } } }"""


async def answers(db: Database, persona: str, ids: list[str], accounts: list[str]) -> Any:
    who = await demo_principal(db, DEMO_USERS[persona])
    found: dict[str, Any] = {"pages": await data_of(db, who, PAGES)}
    found["by_id"] = await data_of(db, who, BY_ID, ids=ids)
    found["timelines"] = [await execute(db, who, TIMELINE, id=account) for account in accounts]
    found["search"] = await data_of(db, who, SEARCH)
    return found


async def book_inlined(db: Database, persona: str) -> bool:
    own = Reader.open(await demo_principal(db, DEMO_USERS[persona]), db)
    try:
        await own.org()
        assert isinstance(own.principal, visibility.Viewer)
        return own.principal.book is not None
    finally:
        await own.close()


@pytest.mark.parametrize("persona", MEMBERS)
async def test_a_book_read_in_the_statement_answers_as_the_inlined_book(
    demo_db: Database, persona: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given every ticket, person and account of the restricted org (the admin's view)
    admin = await demo_principal(demo_db, DEMO_USERS["restricted admin"])
    every = await data_of(demo_db, admin, PAGES)
    ids = [n["id"] for key in ("tickets", "people") for n in every[key]["nodes"]][:100]
    accounts = [n["id"] for n in every["accounts"]["nodes"]][:12]
    # when a member asks the same questions with their book inlined, then read by the statements
    assert await book_inlined(demo_db, persona)
    inlined = await answers(demo_db, persona, ids, accounts)
    monkeypatch.setattr(reader, "BOOK_INLINE_MAX", 0)
    assert not await book_inlined(demo_db, persona)
    read = await answers(demo_db, persona, ids, accounts)
    # then every answer is the same: pages and totals (filtered on the account's fields and
    # segments too), records by id with their references, timelines (of their accounts, and
    # "not found" for the others), search hits
    assert read == inlined
    assert inlined["pages"]["accounts"]["totalCount"] > 0
    assert any(inlined["pages"][k]["totalCount"] for k in ("aTickets", "atRisk", "champions"))
    assert any(data for data, _ in inlined["timelines"]), inlined["timelines"][:2]
    assert any(errors for _, errors in inlined["timelines"])  # accounts outside the book
    assert any(n is None for n in inlined["by_id"]["nodes"])  # records outside the book
