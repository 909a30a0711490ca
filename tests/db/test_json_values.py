"""JSONB read back: the same Python values the standard library's decoder gives."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from accountlens.db import raw
from accountlens.db.engine import Database

EVERYDAY = (
    '{"b": [1.5, 0.1, -0.0, 1e-07, 2.675, 123456789012345678, "Zoë \\u2603", null, true],'
    ' "a": {"nested": {"x": 1, "y": []}}, "empty": {}}'
)
HUGE = '{"big": 1e30, "int": 12345678901234567890123, "small": -9223372036854775808}'


@pytest.mark.parametrize("stored", [EVERYDAY, HUGE], ids=["everyday values", "huge numbers"])
async def test_jsonb_reads_as_the_standard_library_would_decode_it(
    fresh_db: Database, stored: str
) -> None:
    # given a JSONB value as PostgreSQL prints it
    async with fresh_db.read_engine.connect() as conn:
        printed = await conn.scalar(text(f"SELECT CAST('{stored}' AS jsonb)::text"))
        # when it is read through SQLAlchemy and straight on asyncpg (the reader's path)
        through_sqlalchemy = await conn.scalar(text(f"SELECT CAST('{stored}' AS jsonb)"))
    held = await raw.checkout(fresh_db.read_engine, "BEGIN")
    try:
        (record,) = await raw.fetch(held, f"SELECT CAST('{stored}' AS jsonb) AS v", [])
    finally:
        await raw.discard(held)
    # then both are what json.loads makes of that text: values, types and key order
    expected = json.loads(printed)
    for value in (through_sqlalchemy, record["v"]):
        assert value == expected
        assert json.dumps(value) == json.dumps(expected)
