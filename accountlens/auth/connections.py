"""Connections: who may see and revoke which, in one place.

The rule itself is in :mod:`accountlens.auth.visibility`. A connection is one authorization:
one client, acting as one user in one org, holding one access token. Admins see and revoke every
live connection of their org; members only their own. Anything else (another member's
connection, another org's, an unknown id) behaves exactly as if it did not exist: not listed,
and revoking it answers "not found".

Operators (the ``accountlens connections`` commands) stand outside that rule: they list and
revoke by org, owner or client across the whole installation.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from accountlens.auth import repository
from accountlens.auth.api import ConnectionView
from accountlens.auth.principal import Narrowing, Principal
from accountlens.auth.visibility import (
    ConnectionMatch,
    revocable_in_bulk,
    visible_connection_history,
    visible_connections,
)
from accountlens.db.models import Connection, Org, User


def visible_connections_with_owners(principal: Principal) -> Select[Connection, User]:
    """The live connections ``principal`` may see, with their owners; the only such query."""
    return (
        select(Connection, User)
        .join(User, (User.org_id == Connection.org_id) & (User.id == Connection.user_id))
        .where(visible_connections(principal, repository.now()))
    )


def _view(connection: Connection, user: User, revoker: User | None) -> ConnectionView:
    return ConnectionView(
        id=connection.id,
        client_name=connection.client_name,
        client_id=connection.client_id,
        owner_name=user.name,
        owner_email=user.email,
        created_at=connection.created_at,
        last_used_at=connection.last_used_at,
        expires_at=connection.expires_at,
        owner_id=user.id,
        redirect_host=connection.redirect_host,
        scope=connection.scope,
        revoked_at=connection.revoked_at,
        revoked_by_name=revoker.name if revoker is not None else None,
        kind=connection.kind,
        narrowing=Narrowing.stored(
            connection.narrowed_types, connection.exclude_transcripts, connection.exclude_kb
        ),
    )


async def _views(
    session: AsyncSession, condition: ColumnElement[bool], connection_id: uuid.UUID | None = None
) -> list[ConnectionView]:
    revoker = aliased(User)
    statement = (
        select(Connection, User, revoker)
        .join(User, (User.org_id == Connection.org_id) & (User.id == Connection.user_id))
        .outerjoin(
            revoker,
            (revoker.org_id == Connection.org_id) & (revoker.id == Connection.revoked_by),
        )
        .where(condition)
        .order_by(Connection.created_at.desc(), Connection.id)
    )
    if connection_id is not None:
        statement = statement.where(Connection.id == connection_id)
    rows = (await session.execute(statement)).all()
    return [_view(connection, user, by) for connection, user, by in rows]


async def list_connections(
    session: AsyncSession, principal: Principal, *, history: bool = False
) -> list[ConnectionView]:
    """Live connections (or, with ``history``, revoked and expired ones), newest first."""
    now = repository.now()
    rule = visible_connection_history if history else visible_connections
    return await _views(session, rule(principal, now))


async def find_connection(
    session: AsyncSession, principal: Principal, connection_id: uuid.UUID
) -> ConnectionView | None:
    """One connection the principal may see, live or ended; None as for an unknown id."""
    now = repository.now()
    for rule in (visible_connections, visible_connection_history):
        found = await _views(session, rule(principal, now), connection_id)
        if found:
            return found[0]
    return None


async def revoke_matching(
    session: AsyncSession,
    principal: Principal,
    *,
    owner_id: uuid.UUID | None,
    client_id: str | None,
) -> int:
    """An admin's "Revoke all" for one user or client (members: nothing). Caller commits."""
    if not principal.is_admin or (owner_id is None and client_id is None):
        return 0
    result = await session.execute(
        update(Connection)
        .where(
            revocable_in_bulk(principal, repository.now(), owner_id=owner_id, client_id=client_id)
        )
        .values(revoked_at=repository.now(), revoked_by=principal.user_id)
        .returning(Connection.id)
    )
    return len(result.all())


async def revoke_connection(
    session: AsyncSession, principal: Principal, connection_id: uuid.UUID
) -> bool:
    """Revoke if visible; False (as for an unknown id) otherwise. Caller commits."""
    visible = await session.scalar(
        visible_connections_with_owners(principal)
        .where(Connection.id == connection_id)
        .with_only_columns(Connection.id)
    )
    if visible is None:
        return False
    return await repository.revoke(session, principal.org_id, connection_id, by=principal.user_id)


async def operator_connections(
    session: AsyncSession, match: ConnectionMatch
) -> list[tuple[Connection, User, Org]]:
    """Every live connection ``match`` names, with owner and org (operator commands)."""
    statement = (
        select(Connection, User, Org)
        .join(User, (User.org_id == Connection.org_id) & (User.id == Connection.user_id))
        .join(Org, Org.id == Connection.org_id)
        .where(*match.conditions(repository.now()))
        .order_by(Org.slug, User.email, Connection.created_at)
    )
    return [(c, u, o) for c, u, o in (await session.execute(statement)).all()]


async def revoke_all(session: AsyncSession, match: ConnectionMatch) -> int:
    """Revoke every live connection ``match`` names (operator commands); how many.

    The tokens are refused from the next request on, on every replica. Caller commits.
    """
    result = await session.execute(
        update(Connection)
        .where(*match.conditions(repository.now()))
        .values(revoked_at=repository.now())
        .returning(Connection.id)
    )
    return len(result.all())
