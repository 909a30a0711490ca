"""Keyword search reads a bounded number of candidates per type, keeps the name's exact and
prefix matches first, and says when its total is only a lower bound."""

from __future__ import annotations

from typing import Any

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from tests.factories import create_account, create_org, create_user
from tests.schema.helpers import data_of

SEARCH = '{ search(query: "renewal", first: 5) { totalCount totalIsLowerBound hits { matched } } }'


async def search_with_cap(db: Database, caller: Principal, cap: int) -> dict[str, Any]:
    data = await data_of(db, caller, SEARCH, context={"search_cap": cap})
    result: dict[str, Any] = data["search"]
    return result


async def flooded_org(db: Database) -> Principal:
    """An org whose 20 accounts mention "renewal" mid-name, then one named exactly that and one
    starting with it, created last (so a read stopping at the first rows would miss them)."""
    org = await create_org(db)
    admin = await create_user(db, org, role="admin")
    for n in range(20):
        await create_account(db, org, f"Globex {n:02d} renewal desk")
    await create_account(db, org, "Renewal playbook")
    await create_account(db, org, "Renewal")
    return admin


async def test_a_search_matching_more_than_the_cap_says_its_total_is_a_lower_bound_and_keeps_the_name_prefix_matches_first(  # noqa: E501
    fresh_db: Database,
) -> None:
    # given 22 matching accounts, two of them starting with the query
    admin = await flooded_org(fresh_db)
    # when the server reads at most 5 candidates per type and tier
    result = await search_with_cap(fresh_db, admin, 5)
    counted = await data_of(
        fresh_db,
        admin,
        '{ search(query: "renewal", first: 0) { totalCount totalIsLowerBound } }',
        context={"search_cap": 5},
    )
    # then the total is at least the cap and says so, and the exact name and the prefix match
    # (they score alike) rank first although the cut dropped most of the other matches
    assert result["totalIsLowerBound"] is True
    assert result["totalCount"] >= 5
    assert {h["matched"] for h in result["hits"][:2]} == {"Renewal", "Renewal playbook"}
    # and a page of none counts the same way, on its own
    assert counted["search"] == {"totalCount": result["totalCount"], "totalIsLowerBound": True}


async def test_a_search_within_the_cap_or_without_one_has_an_exact_total(
    fresh_db: Database,
) -> None:
    # given 22 matching accounts: 2 name-prefix matches and 20 others
    admin = await flooded_org(fresh_db)
    # when the cap is above every tier, exactly at the larger one, or off
    for cap in (1000, 20, 0):
        result = await search_with_cap(fresh_db, admin, cap)
        # then the total is exact
        assert result["totalCount"] == 22, cap
        assert result["totalIsLowerBound"] is False, cap
        assert {h["matched"] for h in result["hits"][:2]} == {"Renewal", "Renewal playbook"}, cap


async def test_a_restricted_members_capped_search_returns_only_the_rows_they_may_see(
    fresh_db: Database,
) -> None:
    # given a member of a restricted org who owns 4 of 24 matching accounts
    org = await create_org(fresh_db)
    member = await create_user(fresh_db, org)
    for n in range(20):
        await create_account(fresh_db, org, f"Renewal hidden {n:02d}")
    mine = {f"Renewal mine {n}" for n in range(4)}
    for name in sorted(mine):
        await create_account(fresh_db, org, name, owner=member.user_id)
    # when the cap is below what they may see
    result = await search_with_cap(fresh_db, member, 2)
    # then the cut counts their rows only: every hit is theirs, the total a lower bound
    assert {h["matched"] for h in result["hits"]} <= mine
    assert len(result["hits"]) >= 2
    assert result["totalIsLowerBound"] is True
    # and without the cut they see exactly their 4
    exact = await search_with_cap(fresh_db, member, 0)
    assert (exact["totalCount"], exact["totalIsLowerBound"]) == (4, False)
    assert {h["matched"] for h in exact["hits"]} == mine
