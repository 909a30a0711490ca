"""A list's total is exact up to the configured cap, and says so when it stopped there."""

from __future__ import annotations

from accountlens.db.engine import Database
from tests.schema.helpers import data_of
from tests.schema.test_statement_count import seed

PAGE = "{ accounts(first: 3) { totalCount totalIsLowerBound nodes { name } } }"
UNSELECTED = """{ accounts(first: 3) { ...counted } }
fragment counted on AccountConnection { totalCount totalIsLowerBound }"""


async def test_a_list_larger_than_the_cap_reports_the_cap_as_a_lower_bound(
    fresh_db: Database,
) -> None:
    # given 120 visible accounts
    _, admin = await seed(fresh_db, 120)
    # when the server counts at most 50
    capped = await data_of(fresh_db, admin, PAGE, context={"total_cap": 50})
    through_fragment = await data_of(fresh_db, admin, UNSELECTED, context={"total_cap": 50})
    # then the answer says "at least 50", whichever way the total was asked for
    assert capped["accounts"]["totalCount"] == 50
    assert capped["accounts"]["totalIsLowerBound"] is True
    assert through_fragment["accounts"] == {"totalCount": 50, "totalIsLowerBound": True}


async def test_a_list_within_the_cap_or_without_one_has_an_exact_total(
    fresh_db: Database,
) -> None:
    # given 120 visible accounts
    _, admin = await seed(fresh_db, 120)
    # when the cap is above the total, at it, or off
    for cap in (500, 120, 0):
        data = await data_of(fresh_db, admin, PAGE, context={"total_cap": cap})
        # then the total is exact
        assert data["accounts"]["totalCount"] == 120, cap
        assert data["accounts"]["totalIsLowerBound"] is False, cap
