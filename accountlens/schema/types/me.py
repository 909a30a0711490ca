"""``me``: who the caller is, in which org, through which connection."""

from __future__ import annotations

from datetime import datetime

import strawberry

from accountlens.resolvers import sources
from accountlens.resolvers.reader import OrgInfo
from accountlens.schema.connections import connection_id
from accountlens.schema.ids import encode_id
from accountlens.schema.types.base import AppInfo, field, load_node
from accountlens.schema.types.org import User


@strawberry.type(description="A system the org's data is imported from, and how fresh it is.")
class DataSource:
    source: str = strawberry.field(description="jsonl, salesforce, hubspot, zendesk, csv …")
    last_imported_at: datetime = strawberry.field(description="When its last import finished.")


@strawberry.type(description="The caller's organization (workspace).")
class Org:
    id: strawberry.ID
    name: str
    slug: str
    timezone: str
    account_visibility: str = strawberry.field(description="open or restricted (SPEC §4).")

    @field("Each data source imported into the org, with its last import time.")
    async def data_sources(self, info: AppInfo) -> list[DataSource]:
        rows = await sources.data_sources(info.context.reader)
        return [
            DataSource(source=r["source"], last_imported_at=r["last_imported_at"]) for r in rows
        ]

    @classmethod
    def from_info(cls, org: OrgInfo) -> Org:
        return cls(
            id=strawberry.ID(encode_id("org", org.id)),
            name=org.name,
            slug=org.slug,
            timezone=org.timezone,
            account_visibility=org.account_visibility,
        )


@strawberry.type(description="The signed-in principal.")
class Me:
    role: str
    connection_id: strawberry.ID | None = strawberry.field(
        description="The MCP connection the request came through (`con_…`, as in "
        "`mcpConnections`), if any."
    )
    client_id: str | None

    @field("The caller as a user record.")
    async def user(self, info: AppInfo) -> User | None:
        return await load_node(info, User, info.context.principal.user_id)

    @field("The caller's organization.")
    async def org(self, info: AppInfo) -> Org:
        return Org.from_info(await info.context.reader.org())


def me_of(info: AppInfo) -> Me:
    principal = info.context.principal
    connection = principal.connection_id
    return Me(
        role=principal.role,
        connection_id=connection_id(connection) if connection else None,
        client_id=principal.client_id,
    )
