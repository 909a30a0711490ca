"""Admin changes to people and the org: the one sanctioned path past the app role's grants.

The app role may not UPDATE ``users`` or ``orgs`` (``accountlens/db/grants.py``), so an admin's
role change or org-settings change calls a SECURITY DEFINER function of migration 0020, which
runs as the owner after checking, in the database, that the actor is an active admin of the
org and the user belongs to that org (and that an org keeps one active admin). A bug that
forgets the admin check or passes another org's user is refused there. The functions trust the
actor named by the caller: they hold against bugs, not against arbitrary SQL as the app role.

Callers (GraphQL mutations, through the auth service) keep the rule of admin actions: a signed-in
browser session only, never a token.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from accountlens.auth.api import AdminWriteRefused
from accountlens.auth.principal import Principal, Role

#: The SQLSTATEs the functions raise, and what each means here.
_KINDS = {"42501": "forbidden", "P0002": "not_found", "22023": "invalid"}


async def _call(session: AsyncSession, statement: str, params: dict[str, object]) -> None:
    try:
        async with session.begin_nested():  # a refusal leaves the caller's transaction usable
            await session.execute(text(statement), params)
    except DBAPIError as exc:
        # The driver's own error (asyncpg's) carries the SQLSTATE and the message.
        cause = exc.orig.__cause__ if exc.orig is not None else None
        kind = _KINDS.get(str(getattr(cause, "sqlstate", "")))
        if kind is None:
            raise
        # The message is ours (RAISE EXCEPTION in the function), never a value of the request.
        raise AdminWriteRefused(kind, str(getattr(cause, "message", ""))) from None


async def set_user_role(
    session: AsyncSession, actor: Principal, user_id: uuid.UUID, role: Role
) -> None:
    """Make ``user_id`` (of the actor's org) an ``admin`` or a ``member``; the caller commits."""
    await _call(
        session,
        "SELECT accountlens_set_user_role(:org, :actor, :user, :role)",
        {"org": actor.org_id, "actor": actor.user_id, "user": user_id, "role": role},
    )


async def update_org(
    session: AsyncSession,
    actor: Principal,
    *,
    name: str | None = None,
    account_visibility: str | None = None,
    timezone: str | None = None,
) -> None:
    """Change the actor's org's name, account visibility or time zone (None: unchanged)."""
    await _call(
        session,
        "SELECT accountlens_update_org(:org, :actor, :name, :visibility, :timezone)",
        {
            "org": actor.org_id,
            "actor": actor.user_id,
            "name": name,
            "visibility": account_visibility,
            "timezone": timezone,
        },
    )
