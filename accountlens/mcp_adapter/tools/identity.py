"""``whoami``: the connected user, their org and this connection."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context
from pydantic import Field

from accountlens.mcp_adapter.runtime import Runtime
from accountlens.mcp_adapter.shape import utc
from accountlens.mcp_adapter.tools.models import Answer


class WhoAmI(Answer):
    """Who the connection acts as."""

    user: dict[str, Any] = Field(description="id, name, email and role of the connected user.")
    org: dict[str, Any] = Field(description="The workspace: name, slug, timezone, visibility.")
    connection: dict[str, Any] | None = Field(
        description="This connection: id, client, created_at, last_used_at, expires_at."
    )
    data_sources: list[dict[str, Any]] = Field(
        description="Each system the org's data comes from (source) and when it was last "
        "imported (last_imported_at); how fresh the answers can be."
    )


async def whoami(runtime: Runtime, ctx: Context[Any]) -> dict[str, Any]:
    ds = runtime.compiler.dsl
    me = ds.Me
    org = ds.Org
    con = ds.McpConnection

    def roots(_: Any) -> list[Any]:
        return [
            ds.Query.me.select(
                me.role,
                me.connectionId,
                me.clientId,
                me.user.select(ds.User.id, ds.User.name, ds.User.email),
                me.org.select(
                    org.id,
                    org.name,
                    org.slug,
                    org.timezone,
                    org.accountVisibility,
                    org.dataSources.select(ds.DataSource.source, ds.DataSource.lastImportedAt),
                ),
            ),
            ds.Query.mcpConnections.select(
                con.id, con.clientName, con.clientId, con.createdAt, con.lastUsedAt, con.expiresAt
            ),
        ]

    operation = runtime.compiler.operation("WhoAmI", roots)
    data = await runtime.run(ctx, operation)
    me_data = data["me"]
    user = dict(me_data.get("user") or {})
    user["role"] = me_data["role"]
    connection = None
    if me_data.get("connectionId"):
        wanted = me_data["connectionId"]
        for row in data["mcpConnections"]:
            if row["id"] == wanted:
                connection = {
                    "id": row["id"],
                    "client": row["clientName"],
                    "client_id": row["clientId"],
                    "created_at": row["createdAt"],
                    "last_used_at": row["lastUsedAt"],
                    "expires_at": row["expiresAt"],
                }
    org_data = me_data["org"]
    return {
        "user": user,
        "org": {
            "id": org_data["id"],
            "name": org_data["name"],
            "slug": org_data["slug"],
            "timezone": org_data["timezone"],
            "account_visibility": org_data["accountVisibility"],
        },
        "data_sources": [
            {"source": row["source"], "last_imported_at": utc(row["lastImportedAt"])}
            for row in org_data["dataSources"]
        ],
        "connection": connection,
    }
