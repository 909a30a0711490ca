"""Connections: who may see and revoke which, in one place.

A connection is one authorization: one client, acting as one user in one org, holding one
access token. Admins see and revoke every live connection of their org; members only their own.
Anything else (another member's connection, another org's, an unknown id) behaves exactly as
if it did not exist: not listed, and revoking it answers "not found".
"""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from accountlens.auth import repository
from accountlens.auth.api import ConnectionView
from accountlens.auth.principal import Principal
from accountlens.db.models import Connection, User


def visible_connections(principal: Principal) -> Select[Connection, User]:
    """The live connections ``principal`` may see, with their owners; the only such query."""
    statement = (
        select(Connection, User)
        .join(User, (User.org_id == Connection.org_id) & (User.id == Connection.user_id))
        .where(
            Connection.org_id == principal.org_id,
            Connection.revoked_at.is_(None),
            Connection.expires_at > repository.now(),
        )
    )
    if not principal.is_admin:
        statement = statement.where(Connection.user_id == principal.user_id)
    return statement


async def list_connections(session: AsyncSession, principal: Principal) -> list[ConnectionView]:
    """Newest first."""
    statement = visible_connections(principal).order_by(Connection.created_at.desc(), Connection.id)
    rows = (await session.execute(statement)).all()
    return [
        ConnectionView(
            id=connection.id,
            client_name=connection.client_name,
            client_id=connection.client_id,
            owner_name=user.name,
            owner_email=user.email,
            created_at=connection.created_at,
            last_used_at=connection.last_used_at,
            expires_at=connection.expires_at,
        )
        for connection, user in rows
    ]


async def revoke_connection(
    session: AsyncSession, principal: Principal, connection_id: uuid.UUID
) -> bool:
    """Revoke if visible; False (as for an unknown id) otherwise. Caller commits."""
    visible = await session.scalar(
        visible_connections(principal)
        .where(Connection.id == connection_id)
        .with_only_columns(Connection.id)
    )
    if visible is None:
        return False
    return await repository.revoke(session, principal.org_id, connection_id, by=principal.user_id)
