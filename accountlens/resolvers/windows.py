"""Time windows given as two date expressions (``since``/``until``), in the org's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from accountlens.resolvers.dates import parse_date_expression
from accountlens.resolvers.errors import BadInputError
from accountlens.resolvers.reader import Reader

MAX_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class Window:
    """``[start, end)`` both as aware datetimes and as dates."""

    start: datetime
    end: datetime

    @property
    def start_date(self) -> date:
        return self.start.date()

    @property
    def end_date(self) -> date:
        return self.end.date()

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days

    def previous(self) -> Window:
        """The window of the same length just before this one."""
        try:
            start = self.start - (self.end - self.start)
            start.astimezone(UTC)  # what the database is sent must exist too
        except OverflowError:
            raise BadInputError(
                "the window starts too close to year 1 to compare it with the one before",
                field="since",
            ) from None
        return Window(start, self.start)


async def window(reader: Reader, since: str | None, until: str | None, default_days: int) -> Window:
    """From the start of ``since`` to the end of ``until`` (default: the last N days to today)."""
    tz = (await reader.org()).zone
    start = parse_date_expression(since or f"-{default_days}d", tz).start
    end = parse_date_expression(until or "today", tz).end
    if end <= start:
        raise BadInputError("the window ends before it starts", field="until")
    if end - start > timedelta(days=MAX_DAYS):
        raise BadInputError(f"windows are limited to {MAX_DAYS} days", field="since")
    return Window(start, end)
