"""Relative date expressions resolve to intervals in the org's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from accountlens.resolvers.dates import parse_date_expression, zone
from accountlens.resolvers.errors import BadInputError

NOW = datetime(2025, 5, 14, 2, 30, tzinfo=UTC)  # still 13 May in New York
NEW_YORK = zone("America/New_York")


@pytest.mark.parametrize(
    ("expression", "start", "end"),
    [
        ("today", date(2025, 5, 13), date(2025, 5, 14)),
        ("-30d", date(2025, 4, 13), date(2025, 4, 14)),
        ("+2w", date(2025, 5, 27), date(2025, 5, 28)),
        ("this_quarter", date(2025, 4, 1), date(2025, 7, 1)),
        ("last_month", date(2025, 4, 1), date(2025, 5, 1)),
        ("next_quarter", date(2025, 7, 1), date(2025, 10, 1)),
        ("this_year", date(2025, 1, 1), date(2026, 1, 1)),
        ("last week", date(2025, 5, 5), date(2025, 5, 12)),
        ("2025-02-28", date(2025, 2, 28), date(2025, 3, 1)),
    ],
)
def test_expressions_resolve_to_whole_days_in_the_org_zone(
    expression: str, start: date, end: date
) -> None:
    interval = parse_date_expression(expression, NEW_YORK, NOW)
    assert (interval.start_date, interval.end_date) == (start, end)
    assert interval.start.tzinfo == NEW_YORK


def test_an_iso_datetime_is_a_single_instant() -> None:
    interval = parse_date_expression("2025-01-31T09:00:00Z", NEW_YORK, NOW)
    assert interval.start == datetime(2025, 1, 31, 9, tzinfo=UTC)
    assert not interval.is_day_based


@pytest.mark.parametrize("bad", ["someday", "-30x", "2025-13-01", "", 42, None, "x" * 100])
def test_anything_else_is_bad_input_listing_the_accepted_forms(bad: object) -> None:
    with pytest.raises(BadInputError) as caught:
        parse_date_expression(bad, NEW_YORK, NOW)
    assert "this_quarter" in caught.value.extensions["choices"]


def test_an_unknown_time_zone_falls_back_to_utc() -> None:
    assert zone("Mars/Olympus") == zone("UTC")
