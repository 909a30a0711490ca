"""The embedded server belongs to whoever started it."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from accountlens.db.embedded import EmbeddedServer, start_embedded


async def test_a_second_command_leaves_a_running_server_alone(
    pg_server: EmbeddedServer, admin_engine: AsyncEngine
) -> None:
    # given a server that is already running (as for `accountlens serve`)
    # when another command (`accountlens users list`) opens the same data folder and finishes
    second = start_embedded(pg_server.pgdata)
    second.stop()
    # then it did not start it, and the server keeps answering the first one
    assert not second.started_here
    async with admin_engine.connect() as conn:
        assert await conn.scalar(text("SELECT 1")) == 1
