"""A member's book sample: exact up to the inline limit, and past it known to be past it.

The sample reads at most ``limit + 1`` rows of each of the book's three scans, so a large book
costs a bounded read; these tests shrink the limit to three and build books around it.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from accountlens.resolvers import visibility
from accountlens.resolvers.reader import Reader
from tests.factories import create_account, create_org, create_team, create_user

LIMIT = 3


async def sample_of(db: Database, member: Principal) -> list[uuid.UUID]:
    reader = Reader.open(member, db)
    try:
        found = await reader.rows(select(visibility.book_sample(member).label("book")))
    finally:
        await reader.close()
    return list(found[0]["book"] or [])


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(visibility, "BOOK_INLINE_MAX", LIMIT)


@pytest.mark.usefixtures("small_limit")
async def test_a_book_at_the_limit_is_sampled_whole_even_when_its_scans_overlap(
    fresh_db: Database,
) -> None:
    # given a member who owns two accounts of their own team and is on a third's account team
    # (five rows over the three scans, three accounts)
    org = await create_org(fresh_db)
    member = await create_user(fresh_db, org)
    team = await create_team(fresh_db, org, member.user_id)
    book = {
        await create_account(fresh_db, org, "A", owner=member.user_id, team=team),
        await create_account(fresh_db, org, "B", owner=member.user_id, team=team),
        await create_account(fresh_db, org, "C", account_team=(member.user_id,)),
    }
    await create_account(fresh_db, org, "Not theirs")
    # when their book is sampled
    sample = await sample_of(fresh_db, member)
    # then the sample is the whole book, each account once
    assert sorted(sample) == sorted(book)


@pytest.mark.usefixtures("small_limit")
async def test_a_book_past_the_limit_is_known_to_be_past_it_however_it_is_made(
    fresh_db: Database,
) -> None:
    # given one member whose book passes the limit through one scan (their team's accounts),
    # and one whose book passes it only across the scans (two owned, two on account teams)
    org = await create_org(fresh_db)
    by_team, across = await create_user(fresh_db, org), await create_user(fresh_db, org)
    team = await create_team(fresh_db, org, by_team.user_id)
    for n in range(LIMIT + 3):
        await create_account(fresh_db, org, f"Team {n}", team=team)
    for n in range(2):
        await create_account(fresh_db, org, f"Owned {n}", owner=across.user_id)
        await create_account(fresh_db, org, f"Covered {n}", account_team=(across.user_id,))
    # when their books are sampled
    samples = [await sample_of(fresh_db, who) for who in (by_team, across)]
    # then each sample says the book is past the limit (more ids than the limit), no id twice
    for sample in samples:
        assert len(sample) == LIMIT + 1
        assert len(set(sample)) == len(sample)
