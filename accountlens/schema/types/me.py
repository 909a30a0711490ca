"""``me``: who the caller is, in which org, through which connection."""

from __future__ import annotations

import strawberry

from accountlens.resolvers.reader import OrgInfo
from accountlens.schema.ids import encode_id
from accountlens.schema.types.base import AppInfo, field, load_node
from accountlens.schema.types.org import User


@strawberry.type(description="The caller's organization (workspace).")
class Org:
    id: strawberry.ID
    name: str
    slug: str
    timezone: str
    account_visibility: str = strawberry.field(description="open or restricted (SPEC §4).")

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
        description="The MCP connection the request came through, if any."
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
        connection_id=strawberry.ID(str(connection)) if connection else None,
        client_id=principal.client_id,
    )
