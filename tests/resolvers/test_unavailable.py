"""Which database errors mean "retry later" rather than "this request is broken"."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError, OperationalError

from accountlens.resolvers.reader import database_unavailable


class DriverError(Exception):
    """Stands in for a driver exception: ``sqlstate`` is what the server sent, if anything."""

    def __init__(self, sqlstate: str | None) -> None:
        super().__init__("driver error")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "unavailable"),
    [
        (None, True),  # closed mid-operation: no answer from a server at all
        ("08006", True),  # connection failure
        ("57P01", True),  # admin shutdown (pg_ctl stop -m fast)
        ("57P03", True),  # cannot connect now (starting up)
        ("22P02", False),  # invalid input syntax: a statement the server rejected
        ("42703", False),  # undefined column: a bug of ours, stays a masked fault
        ("57014", False),  # statement timeout: the query, not the server
    ],
)
def test_only_a_server_going_away_counts_as_unavailable(
    sqlstate: str | None, unavailable: bool
) -> None:
    error = DBAPIError("SELECT 1", {}, DriverError(sqlstate))
    assert database_unavailable(error) is unavailable


def test_an_operational_error_or_invalidated_connection_is_unavailable() -> None:
    assert database_unavailable(OperationalError("SELECT 1", {}, DriverError("42703")))
    lost = DBAPIError("SELECT 1", {}, DriverError("42703"), connection_invalidated=True)
    assert database_unavailable(lost)
