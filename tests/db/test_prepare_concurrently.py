"""Two servers starting together on one database both get through preparing it."""

from __future__ import annotations

import asyncio

from sqlalchemy import make_url

from accountlens.db.embedded import EmbeddedServer
from accountlens.db.engine import Database, create_engine
from accountlens.db.migrate import prepare_database
from accountlens.db.row_security import APP_ROLE


def server_database(server: EmbeddedServer, name: str) -> Database:
    """What one ``serve`` process opens: the app role, and the superuser as schema owner."""
    app = create_engine(make_url(server.url(name, user=APP_ROLE)), pool_size=2)
    owner = create_engine(make_url(server.url(name)), pool_size=2, statement_timeout_ms=0)
    return Database(engine=app, read_engine=app, owner_engine=owner)


async def test_servers_preparing_one_database_at_once_all_start(
    pg_server: EmbeddedServer, fresh_db: Database
) -> None:
    # given four processes' worth of connections to one database
    name = fresh_db.url.database
    assert name is not None
    servers = [server_database(pg_server, name) for _ in range(4)]
    try:
        # when they all prepare it at the same moment, a few times over (grants and the
        # LEAKPROOF marking update the same catalog rows each time)
        for _ in range(5):
            outcomes = await asyncio.gather(
                *(prepare_database(db) for db in servers), return_exceptions=True
            )
            # then none of them fails ("tuple concurrently updated" before the shared lock)
            assert [o for o in outcomes if o is not None] == []
    finally:
        for db in servers:
            await db.close(stop_embedded=False)
