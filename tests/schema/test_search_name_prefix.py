"""Keyword search's name-prefix tier reads a btree range (migration 0025) and answers exactly as
``name ILIKE 'query%'`` did: case folded by PostgreSQL, LIKE wildcards in the query taken
literally, non-ASCII letters, custom and generic plans."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import ColumnElement, select, text
from sqlalchemy.orm import QueryableAttribute

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from accountlens.db.models import Account
from accountlens.resolvers import search
from tests.factories import create_account, create_org, create_user
from tests.schema.helpers import data_of

#: A name that goes on with U+10FFFF (the greatest code point) right after the query "edge".
EDGE = "Edge\U0010ffffCase"
NAMES = (
    "Ærøskøbing Ferries", "ÆRØ Shipping", "ærø café", "Aero Dynamics", "Visit Ærø",
    "Straße Logistics", "STRASSE Holdings", "strasse 9", "Strass Partners",
    "100% Renewal Co", "100 Percent Renewal", "1000 Renewals",
    "a_b Labs", "aXb Labs", "a_bc", "ab Labs",
    "back\\slash Inc", "back\\\\double Inc", "backslash Inc",
    "Mixed CASE Co", "mixed case co", "Mixed Case Company", "The Mixed Case Co",
    "İstanbul Trade", "istanbul Port", "ΣΊΣΥΦΟΣ Rocks", "σίσυφος rolls",
    EDGE, "Edge Case",
)  # fmt: skip
QUERIES = (
    "ærø", "ÆRØ", "Ærø", "aerø", "straße", "STRASSE", "strasse", "STRAß",
    "100%", "100", "%", "a_b", "a_", "_", "back\\slash", "back\\", "\\", "back\\\\",
    "Mixed CASE Co", "mixed case co", "MIXED CASE COMPANY", "mixed  case",
    "İstanbul", "istanbul", "σίσυφος", "ΣΊΣΥΦΟΣ", "edge", "Edge\U0010ffff",
)  # fmt: skip
SEARCH = """query ($q: String!) {
  search(query: $q, first: 50) { totalCount totalIsLowerBound hits { score matched } }
}"""


def ilike_form(name: QueryableAttribute[Any], terms: search._Terms) -> ColumnElement[bool]:
    """The name-prefix condition as it was before migration 0025: the reference."""
    return name.ilike(terms.prefix, escape="\\")


@pytest.fixture
def statements_rebuilt() -> Iterator[None]:
    """Search statements are built once per shape: rebuild them around a swapped condition."""
    search._statements.clear()
    yield
    search._statements.clear()


@pytest_asyncio.fixture(loop_scope="session", params=["auto", "force_generic_plan"])
async def tricky_org(
    fresh_db: Database, request: pytest.FixtureRequest
) -> AsyncIterator[Principal]:
    """An org of accounts with awkward names, its statements planned as ``plan_cache_mode``
    says (generic: the bounds come from parameters, as after the fifth run of a prepared
    statement)."""
    org = await create_org(fresh_db)
    admin = await create_user(fresh_db, org, role="admin")
    for name in NAMES:
        await create_account(fresh_db, org, name)
    database = fresh_db.engine.url.database
    async with fresh_db.engine.begin() as conn:
        await conn.execute(
            text(f'ALTER DATABASE "{database}" SET plan_cache_mode = {request.param}')
        )
    await fresh_db.engine.dispose()
    await fresh_db.read_engine.dispose()
    yield admin


async def answers(db: Database, caller: Principal, cap: int) -> dict[str, Any]:
    return {
        q: (await data_of(db, caller, SEARCH, context={"search_cap": cap}, q=q))["search"]
        for q in QUERIES
    }


@pytest.mark.usefixtures("statements_rebuilt")
async def test_tricky_queries_find_exactly_what_the_ilike_prefix_found(
    fresh_db: Database, tricky_org: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given accounts whose names differ by case, ß/ss, accents, wildcards and backslashes
    # when each tricky query is searched with the range condition, then with plain ILIKE
    for cap in (1000, 0):
        ranged = await answers(fresh_db, tricky_org, cap)
        with monkeypatch.context() as patch:
            patch.setattr(search, "_name_prefix", ilike_form)
            search._statements.clear()
            reference = await answers(fresh_db, tricky_org, cap)
        search._statements.clear()
        # then every answer is the same: the same hits, scores, order and totals
        assert ranged == reference, cap
    # and they are what a reader expects of a case-insensitive literal prefix: the names
    # starting with the query (in any case) rank first, with the prefix bonus
    assert top(ranged["ÆRØ"], 3) == {"Ærøskøbing Ferries", "ÆRØ Shipping", "ærø café"}
    assert top(ranged["mixed case co"], 3) == {
        "Mixed CASE Co",
        "mixed case co",
        "Mixed Case Company",
    }
    assert top(ranged["a_b"], 2) == {"a_b Labs", "a_bc"}
    assert top(ranged["100%"], 1) == {"100% Renewal Co"}
    assert top(ranged["back\\"], 2) == {"back\\slash Inc", "back\\\\double Inc"}
    # and under a cut of one candidate per type and tier they still come first: the cut keeps
    # the name-prefix tier's own
    capped = await answers(fresh_db, tricky_org, 1)
    assert top(capped["100%"], 1) == {"100% Renewal Co"}
    assert capped["100%"]["totalIsLowerBound"] is True
    assert top(capped["a_b"], 2) == {"a_b Labs", "a_bc"}
    assert top(capped["Edge\U0010ffff"], 1) == {EDGE}


def top(answer: dict[str, Any], n: int) -> set[str]:
    """The names of the first ``n`` hits."""
    return {h["matched"] for h in answer["hits"][:n]}


async def test_the_name_prefix_tier_holds_the_ilike_matches_and_the_other_tier_the_rest(
    fresh_db: Database, tricky_org: Principal
) -> None:
    # given the tricky accounts, when the name-prefix condition and its negation select them
    terms = search._Terms.parameters()
    condition = search._name_prefix(Account.name, terms)
    ilike = ilike_form(Account.name, terms)
    org = Account.org_id == tricky_org.org_id
    async with fresh_db.engine.connect() as conn:
        for q in QUERIES:
            values = search._Terms.values(q)

            async def names(*where: ColumnElement[bool], v: dict[str, str] = values) -> set[str]:
                rows = await conn.execute(select(Account.name).where(org, *where), v)
                return set(rows.scalars())

            first, rest, matching = (
                await names(condition),
                await names(~condition),
                await names(ilike),
            )
            # then the tier holds exactly ILIKE's names, but for one that goes on with the
            # greatest code point right after the query, which the other tier keeps
            beyond = {n for n in matching if n.lower().startswith(q.lower() + "\U0010ffff")}
            assert first == matching - beyond, q
            assert first.isdisjoint(rest), q
            assert first | rest == set(NAMES), q
            assert beyond <= rest, q


async def test_a_restricted_member_sees_only_their_prefix_matches(fresh_db: Database) -> None:
    # given a restricted org where a member owns two of four accounts starting "Ærø"
    org = await create_org(fresh_db)
    member = await create_user(fresh_db, org)
    mine = {"Ærø Mine One", "ærø mine two"}
    for name in sorted(mine):
        await create_account(fresh_db, org, name, owner=member.user_id)
    for name in ("Ærø Hidden", "ÆRØ hidden too"):
        await create_account(fresh_db, org, name, owner=None)
    # when they search for it in another case
    result = (await data_of(fresh_db, member, SEARCH, q="ÆRØ"))["search"]
    # then they find their two, ranked as prefix matches, and nothing else
    assert {h["matched"] for h in result["hits"]} == mine
    assert all(h["score"] >= search.PREFIX_BONUS for h in result["hits"])
    assert (result["totalCount"], result["totalIsLowerBound"]) == (2, False)
