"""Date expressions in filters: ISO dates and times, and relative ones like ``-30d``.

Every expression resolves to a half-open interval ``[start, end)`` in the org's time zone:
``today`` is one day, ``this_quarter`` three months, ``-30d`` the day 30 days ago, an ISO
datetime a single instant. Comparison operators then read naturally: ``gte -30d`` means "since
the start of the day 30 days ago", ``eq this_quarter`` "within this quarter".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from accountlens.resolvers.errors import BadInputError

_OFFSET = re.compile(
    r"^([+-]?)\s*(\d{1,5})\s*(d|day|days|w|week|weeks|m|month|months|y|year|years)$"
)
_PERIODS = ("week", "month", "quarter", "year")
_NAMED = (
    "today",
    "yesterday",
    "tomorrow",
    "now",
    *(f"{when}_{period}" for when in ("this", "last", "next") for period in _PERIODS),
)


@dataclass(frozen=True, slots=True)
class Interval:
    """``[start, end)`` as aware datetimes; ``is_day_based`` when both are local midnights."""

    start: datetime
    end: datetime
    is_day_based: bool

    @property
    def start_date(self) -> date:
        return self.start.date()

    @property
    def end_date(self) -> date:
        """The exclusive end as a date (for ``date`` columns)."""
        if self.is_day_based:
            return self.end.date()
        return (self.end - timedelta(microseconds=1)).date() + timedelta(days=1)


def zone(name: str | None) -> ZoneInfo:
    """The org's time zone, falling back to UTC for an unknown name."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, 1)


def _period(today: date, period: str, shift: int) -> tuple[date, date]:
    if period == "week":
        start = today - timedelta(days=today.weekday()) + timedelta(weeks=shift)
        return start, start + timedelta(weeks=1)
    if period == "month":
        start = _add_months(today.replace(day=1), shift)
        return start, _add_months(start, 1)
    if period == "quarter":
        first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        start = _add_months(first, 3 * shift)
        return start, _add_months(start, 3)
    start = date(today.year + shift, 1, 1)
    return start, date(start.year + 1, 1, 1)


def _days(start: date, end: date, tz: ZoneInfo) -> Interval:
    return Interval(
        datetime.combine(start, time(), tz), datetime.combine(end, time(), tz), is_day_based=True
    )


def _offset_day(today: date, sign: str, amount: int, unit: str) -> date:
    signed = -amount if sign == "-" else amount
    if unit.startswith("d"):
        return today + timedelta(days=signed)
    if unit.startswith("w"):
        return today + timedelta(weeks=signed)
    months = signed if unit.startswith("m") else signed * 12
    target = _add_months(today.replace(day=1), months)
    following = _add_months(target, 1)
    return target.replace(day=min(today.day, (following - timedelta(days=1)).day))


def parse_date_expression(raw: object, tz: ZoneInfo, now: datetime | None = None) -> Interval:
    """Resolve a filter value to an interval, or raise ``BadInputError`` saying what is accepted."""
    try:
        interval = _parse(raw, tz, now)
        # Both ends must exist as dates and as UTC instants (what the database is sent):
        # ``+99999y``, ``9999-12-31`` (its end is in year 10000) or year 1 east of UTC do not.
        _ = interval.start_date, interval.end_date
        _ = interval.start.astimezone(UTC), interval.end.astimezone(UTC)
    except (OverflowError, ValueError):
        shown = repr(raw) if len(repr(raw)) <= 60 else repr(raw)[:57] + "..."
        raise BadInputError(
            f"date out of range: {shown}; dates run from year 1 to year 9999",
            choices=list(_NAMED),
        ) from None
    return interval


def _parse(raw: object, tz: ZoneInfo, now: datetime | None) -> Interval:
    if isinstance(raw, date | datetime):
        raw = raw.isoformat()
    if not isinstance(raw, str) or len(raw) > 40:
        raise _bad(raw)
    text = raw.strip().lower().replace(" ", "_")
    current = (now or datetime.now(UTC)).astimezone(tz)
    today = current.date()
    if text == "now":
        return Interval(current, current + timedelta(microseconds=1), is_day_based=False)
    if text in ("today", "yesterday", "tomorrow"):
        day = today + timedelta(days={"today": 0, "yesterday": -1, "tomorrow": 1}[text])
        return _days(day, day + timedelta(days=1), tz)
    if "_" in text:
        when, _, period = text.partition("_")
        if period in _PERIODS and when in ("this", "last", "next"):
            shift = {"this": 0, "last": -1, "next": 1}[when]
            return _days(*_period(today, period, shift), tz)
    match = _OFFSET.match(raw.strip().lower())
    if match:
        day = _offset_day(today, match.group(1), int(match.group(2)), match.group(3))
        return _days(day, day + timedelta(days=1), tz)
    return _parse_iso(raw.strip(), tz)


def _parse_iso(text: str, tz: ZoneInfo) -> Interval:
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return _days(day, day + timedelta(days=1), tz)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(text) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return Interval(moment, moment + timedelta(microseconds=1), is_day_based=False)


def _bad(raw: object) -> BadInputError:
    shown = repr(raw) if len(repr(raw)) <= 60 else repr(raw)[:57] + "..."
    return BadInputError(
        f"not a date: {shown}; use an ISO date or datetime (2025-01-31, 2025-01-31T09:00:00Z), "
        "an offset like -30d, +2w, -3m, -1y, or one of: " + ", ".join(_NAMED),
        choices=list(_NAMED),
    )
