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
from collections.abc import Mapping
from functools import cache
from typing import Any

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
    visible_connections_shape,
)
from accountlens.db.models import Connection, Org, User


def visible_connections_with_owners(principal: Principal) -> Select[Connection, User]:
    """The live connections ``principal`` may see, with their owners; the only such query."""
    return (
        select(Connection, User)
        .join(User, (User.org_id == Connection.org_id) & (User.id == Connection.user_id))
        .where(visible_connections(principal, repository.now()))
    )


#: Who revoked a connection. Built once: an alias makes proxies of all its columns (and
#: registers events for each) at its first use, which per call was most of the SQL cost of
#: ``whoami``.
_REVOKER = aliased(User, name="revoker")


def listing(condition: ColumnElement[bool]) -> Select[*tuple[Any, ...]]:
    """The connections matching ``condition`` with their owners, newest first, as columns.

    Columns, not ORM entities: the rows become :class:`ConnectionView` s and nothing else, so
    loading three entities per row (and keeping them in a session) was work for nothing. The
    request's reads run this as SQL text compiled once (``accountlens.resolvers.connections``).
    """
    return (
        select(
            Connection.id,
            Connection.client_name,
            Connection.client_id,
            Connection.created_at,
            Connection.last_used_at,
            Connection.expires_at,
            Connection.redirect_host,
            Connection.scope,
            Connection.revoked_at,
            Connection.kind,
            Connection.narrowed_types,
            Connection.exclude_transcripts,
            Connection.exclude_kb,
            User.id.label("owner_id"),
            User.name.label("owner_name"),
            User.email.label("owner_email"),
            _REVOKER.name.label("revoked_by_name"),
        )
        .join(User, (User.org_id == Connection.org_id) & (User.id == Connection.user_id))
        .outerjoin(
            _REVOKER,
            (_REVOKER.org_id == Connection.org_id) & (_REVOKER.id == Connection.revoked_by),
        )
        .where(condition)
        .order_by(Connection.created_at.desc(), Connection.id)
    )


def live_listing(principal: Principal) -> tuple[Select[*tuple[Any, ...]], dict[str, Any]]:
    """:func:`listing` of the live connections ``principal`` may see, and its parameters.

    The statement is built once per role (:func:`visible_connections_shape`); the principal's
    values are its parameters.
    """
    values: dict[str, Any] = {"org_id": principal.org_id, "now": repository.now()}
    if not principal.is_admin:
        values["user_id"] = principal.user_id
    return _live_listing_shape(principal.is_admin), values


@cache
def _live_listing_shape(is_admin: bool) -> Select[*tuple[Any, ...]]:
    return listing(visible_connections_shape(is_admin))


def view_of(row: Mapping[Any, Any]) -> ConnectionView:
    """A row of :func:`listing` as the view the schema and the web pages show."""
    return ConnectionView(
        id=row["id"],
        client_name=row["client_name"],
        client_id=row["client_id"],
        owner_name=row["owner_name"],
        owner_email=row["owner_email"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        expires_at=row["expires_at"],
        owner_id=row["owner_id"],
        redirect_host=row["redirect_host"],
        scope=row["scope"],
        revoked_at=row["revoked_at"],
        revoked_by_name=row["revoked_by_name"],
        kind=row["kind"],
        narrowing=Narrowing.stored(
            row["narrowed_types"], row["exclude_transcripts"], row["exclude_kb"]
        ),
    )


async def _views(
    session: AsyncSession, condition: ColumnElement[bool], connection_id: uuid.UUID | None = None
) -> list[ConnectionView]:
    statement = listing(condition)
    if connection_id is not None:
        statement = statement.where(Connection.id == connection_id)
    rows = (await session.execute(statement)).mappings().all()
    return [view_of(row) for row in rows]


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
