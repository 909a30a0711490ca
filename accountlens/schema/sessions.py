"""``signOutUser``: an admin's "sign out everywhere" for one person of their org.

It writes (through the auth service, on the primary), so like ``revokeConnection`` it is a
mutation; unlike reads it is refused to any token: an MCP client or internal app must never be
able to sign people out. A cookie-authenticated ``/graphql`` POST must be ``application/json``,
which no cross-site form can send, so the web session is safe from CSRF here as well.
"""

from __future__ import annotations

import strawberry

from accountlens.auth import admin
from accountlens.schema.admin import write_admin_action
from accountlens.schema.errors import BadInputError, ForbiddenError, NotFoundError
from accountlens.schema.ids import decode_as
from accountlens.schema.types.base import AppInfo, field


@strawberry.type
class SessionsMutation:
    @field(
        "End every web session of a user of your org (admins, from a signed-in browser only); "
        "returns how many ended. Their MCP connections stay: revoke those separately."
    )
    async def sign_out_user(self, info: AppInfo, user_id: strawberry.ID) -> int:
        principal = info.context.principal
        if principal.connection_id is not None:
            raise ForbiddenError("signOutUser needs a signed-in browser session, not a token")
        if not principal.is_admin:
            raise ForbiddenError("only admins may sign people out")
        parsed = decode_as("user", str(user_id))
        if parsed is None:
            raise BadInputError("not a user ID", field="userId")
        if info.context.request is None:
            raise NotFoundError("no user with that ID", field="userId")
        # Through the admin actions, so it is audited like every other one.
        return await write_admin_action(info, lambda s, p: admin.sign_out_everywhere(s, p, parsed))
