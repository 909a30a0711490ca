"""Connections: who may see and revoke which, in one place.

A connection is one authorization: one client, acting as one user in one org, holding one
access token. Admins see and revoke every live connection of their org; members only their own.
Anything else (another member's connection, another org's, an unknown id) behaves exactly as
if it did not exist: not listed, and revoking it answers "not found".

Operators (the ``accountlens connections`` commands) stand outside that rule: they list and
revoke by org, owner or client across the whole installation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accountlens.auth import repository
from accountlens.auth.api import ConnectionView
from accountlens.auth.principal import Principal
from accountlens.db.models import Connection, Org, User


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


@dataclass(frozen=True, slots=True)
class Match:
    """Which live connections an operator command means; an unset field matches any."""

    org_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    client_id: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        where = [Connection.revoked_at.is_(None), Connection.expires_at > repository.now()]
        if self.org_id is not None:
            where.append(Connection.org_id == self.org_id)
        if self.user_id is not None:
            where.append(Connection.user_id == self.user_id)
        if self.client_id is not None:
            where.append(Connection.client_id == self.client_id)
        return where


async def operator_connections(
    session: AsyncSession, match: Match
) -> list[tuple[Connection, User, Org]]:
    """Every live connection ``match`` names, with owner and org (operator commands)."""
    statement = (
        select(Connection, User, Org)
        .join(User, (User.org_id == Connection.org_id) & (User.id == Connection.user_id))
        .join(Org, Org.id == Connection.org_id)
        .where(*match.conditions())
        .order_by(Org.slug, User.email, Connection.created_at)
    )
    return [(c, u, o) for c, u, o in (await session.execute(statement)).all()]


async def revoke_all(session: AsyncSession, match: Match) -> int:
    """Revoke every live connection ``match`` names (operator commands); how many.

    The tokens are refused from the next request on, on every replica. Caller commits.
    """
    result = await session.execute(
        update(Connection)
        .where(*match.conditions())
        .values(revoked_at=repository.now())
        .returning(Connection.id)
    )
    return len(result.all())
