"""The caller's live MCP connections, read in the request's own transaction.

``mcpConnections`` reads the primary (a revocation must show at once). When the request has a
unit of work (:mod:`accountlens.auth.request_unit`: no read replica, so its transaction *is* on
the primary), the listing runs there through the reader, as SQL text compiled once per shape,
instead of through an ORM session on the same connection: the rows are the same, at a fraction
of the CPU (no session, no greenlet hop, no entity loading, and the statement is built once
per role, the caller's values bound as parameters). The rule of who sees which
connection stays :func:`accountlens.auth.visibility.visible_connections`.
"""

from __future__ import annotations

from accountlens.auth.api import ConnectionView
from accountlens.auth.connections import live_listing, view_of
from accountlens.resolvers.reader import Reader


async def live_connections_in_unit(reader: Reader) -> list[ConnectionView] | None:
    """The live connections the reader's principal may see, newest first.

    None when the request has no unit of work (a read replica is configured): the reader's
    reads then go to the replica, and the caller must read the primary itself.
    """
    if reader.unit is None:
        return None
    statement, values = live_listing(reader.principal)
    rows = await reader.rows(statement, values, plan="generic")  # the org, the viewer, the time
    return [view_of(row) for row in rows]
