"""Calls one after another get the connection handed back last (the warm one).

Each pooled connection prepares a statement on its first use there (one more round trip): a
pool that rotated sequential calls over its idle connections would make each of them prepare
every statement anew (issue 12, the census's members at twice their round trips).
"""

from __future__ import annotations

from accountlens.db import raw
from accountlens.db.engine import Database
from tests.wire import counting_wire


async def test_a_call_after_another_reuses_the_connection_and_its_prepared_statement(
    fresh_db: Database,
) -> None:
    # given a pool that has grown to two idle connections (two statements once ran at once),
    # and a statement prepared on the one handed back last
    engine = fresh_db.read_engine
    first, second = await raw.checkout(engine), await raw.checkout(engine)
    await raw.discard(first, None)
    await raw.fetch(second, "SELECT $1::int + 1 AS n", [1])
    await raw.discard(second, None)
    # when the next call checks a connection out and runs the same statement
    held = await raw.checkout(engine)
    try:
        with counting_wire() as wire:
            found = await raw.fetch(held, "SELECT $1::int + 1 AS n", [2])
    finally:
        await raw.discard(held, None)
    # then it got the warm connection: nothing is prepared again
    assert found[0]["n"] == 3
    assert held.driver is second.driver
    assert wire.prepares == 0
    assert wire.round_trips == 1
