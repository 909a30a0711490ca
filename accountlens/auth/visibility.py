"""Who may see which connections and tool-call records: the auth side's visibility rules.

The customer-data rules live in ``accountlens.resolvers.visibility``; these are their twins for
the records the authorization server owns, kept below the resolvers' layer because the auth
package may not import it. Admins see every connection of their org and its calls; members only
their own; anything else behaves as if it did not exist. Operators (the ``accountlens
connections`` commands) stand outside the rule and name what they mean with a
:class:`ConnectionMatch`. ``tests/test_scoping_guard.py`` fails the build when a module outside
the visibility modules compares a model's org or owner column with anything but another column.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, or_

from accountlens.auth.principal import Principal
from accountlens.db.models import (
    Account,
    AccountLink,
    AdminAction,
    Connection,
    Org,
    Team,
    TeamMember,
    ToolCall,
    User,
)


def visible_connections(principal: Principal, now: datetime) -> ColumnElement[bool]:
    """The live connections ``principal`` may see (admins: the org's; members: their own)."""
    return _live_connections(principal.is_admin, principal.org_id, principal.user_id, now)


def visible_connections_shape(is_admin: bool) -> ColumnElement[bool]:
    """:func:`visible_connections` with its values left as named parameters, to build once.

    ``org_id`` and ``now``, and ``user_id`` for a member (not an admin). A statement built
    once per role and bound per call skips rebuilding its tree and its cache key every call.
    """
    org_id = bindparam("org_id", type_=Connection.org_id.type)
    user_id = bindparam("user_id", type_=Connection.user_id.type)
    return _live_connections(
        is_admin, org_id, user_id, bindparam("now", type_=Connection.expires_at.type)
    )


def _live_connections(is_admin: bool, org_id: Any, user_id: Any, now: Any) -> ColumnElement[bool]:
    live = and_(
        Connection.org_id == org_id,
        Connection.revoked_at.is_(None),
        Connection.expires_at > now,
    )
    return live if is_admin else and_(live, Connection.user_id == user_id)


def visible_connection_history(principal: Principal, now: datetime) -> ColumnElement[bool]:
    """The revoked or expired connections ``principal`` may see, by the same rule as live ones."""
    ended = and_(
        Connection.org_id == principal.org_id,
        or_(Connection.revoked_at.is_not(None), Connection.expires_at <= now),
    )
    return ended if principal.is_admin else and_(ended, Connection.user_id == principal.user_id)


def revocable_in_bulk(
    principal: Principal, now: datetime, *, owner_id: uuid.UUID | None, client_id: str | None
) -> ColumnElement[bool]:
    """An admin's "Revoke all" of one user or one client: live connections of the org only."""
    matched = visible_connections(principal, now)
    if owner_id is not None:
        matched = and_(matched, Connection.user_id == owner_id)
    if client_id is not None:
        matched = and_(matched, Connection.client_id == client_id)
    return matched


def visible_tool_calls(principal: Principal, connection_id: uuid.UUID) -> ColumnElement[bool]:
    """The calls through ``connection_id`` that ``principal`` may see, by the connections' rule."""
    calls = and_(ToolCall.org_id == principal.org_id, ToolCall.connection_id == connection_id)
    return calls if principal.is_admin else and_(calls, ToolCall.user_id == principal.user_id)


def visible_org_tool_calls(principal: Principal) -> ColumnElement[bool]:
    """Every call of the org for an admin; a member's own connections' calls only."""
    calls = ToolCall.org_id == principal.org_id
    return calls if principal.is_admin else and_(calls, ToolCall.user_id == principal.user_id)


def tool_calls_of_user(user_id: uuid.UUID) -> ColumnElement[bool]:
    """The audit page's "user" filter; always combined with :func:`visible_org_tool_calls`."""
    return ToolCall.user_id == user_id


# --- The admin pages: an admin manages the people, teams and settings of their own org. ---
# Each rule is the principal's org; another org's user or team is "not found", like a made-up
# ID. The callers (accountlens.auth.admin) refuse non-admins before reaching these.


def org_of(principal: Principal) -> ColumnElement[bool]:
    return Org.id == principal.org_id


def org_users(principal: Principal) -> ColumnElement[bool]:
    return User.org_id == principal.org_id


def org_user(principal: Principal, user_id: uuid.UUID) -> ColumnElement[bool]:
    return and_(User.org_id == principal.org_id, User.id == user_id)


def org_teams(principal: Principal) -> ColumnElement[bool]:
    return Team.org_id == principal.org_id


def org_team(principal: Principal, team_id: uuid.UUID) -> ColumnElement[bool]:
    return and_(Team.org_id == principal.org_id, Team.id == team_id)


def accounts_of_team(principal: Principal, team_id: uuid.UUID) -> ColumnElement[bool]:
    """The org's accounts a team owns (deleting the team clears their reference first)."""
    return and_(Account.org_id == principal.org_id, Account.team_id == team_id)


def org_team_members(principal: Principal) -> ColumnElement[bool]:
    return TeamMember.org_id == principal.org_id


def org_team_member(
    principal: Principal, team_id: uuid.UUID, user_id: uuid.UUID
) -> ColumnElement[bool]:
    return and_(
        TeamMember.org_id == principal.org_id,
        TeamMember.team_id == team_id,
        TeamMember.user_id == user_id,
    )


def org_admin_actions(principal: Principal) -> ColumnElement[bool]:
    return AdminAction.org_id == principal.org_id


def user_links(org_id: uuid.UUID, user_id: uuid.UUID) -> ColumnElement[bool]:
    """A user's outstanding invite or reset links (a new one replaces them)."""
    return and_(AccountLink.org_id == org_id, AccountLink.user_id == user_id)


def account_row(org_id: uuid.UUID, user_id: uuid.UUID) -> ColumnElement[bool]:
    """One user, named by the caller that already holds it (an admin action, an operator)."""
    return and_(User.org_id == org_id, User.id == user_id)


def presented_link(org_id: uuid.UUID, id_hash: bytes) -> ColumnElement[bool]:
    """The link whose secret the visitor presented (its org is part of the link)."""
    return and_(AccountLink.org_id == org_id, AccountLink.id_hash == id_hash)


@dataclass(frozen=True, slots=True)
class ConnectionMatch:
    """Which live connections an operator command means; an unset field matches any."""

    org_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None
    client_id: str | None = None

    def conditions(self, now: datetime) -> list[ColumnElement[bool]]:
        where = [Connection.revoked_at.is_(None), Connection.expires_at > now]
        if self.org_id is not None:
            where.append(Connection.org_id == self.org_id)
        if self.user_id is not None:
            where.append(Connection.user_id == self.user_id)
        if self.client_id is not None:
            where.append(Connection.client_id == self.client_id)
        return where
