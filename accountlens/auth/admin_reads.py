"""What the admin pages show: the org's people, teams, settings and admin audit log.

Reads run on the primary as the app role (which may read the identity tables), scoped by the
helpers of :mod:`accountlens.auth.visibility`; only admins get answers (the GraphQL fields
refuse members before reaching here).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accountlens.auth import visibility as v
from accountlens.auth.principal import Principal
from accountlens.db.models import AccountLink, AdminAction, Org, Team, TeamMember, User
from accountlens.db.row_security import bind_org


@dataclass(frozen=True, slots=True)
class UserView:
    id: uuid.UUID
    email: str
    name: str
    role: str
    is_active: bool
    invited: bool  # no password yet: the invite is outstanding (or was never redeemed)
    link_expires_at: datetime | None
    team_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True, slots=True)
class TeamView:
    id: uuid.UUID
    name: str
    member_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True, slots=True)
class OrgSettingsView:
    name: str
    slug: str
    account_visibility: str
    timezone: str
    token_lifetime_days: int | None


@dataclass(frozen=True, slots=True)
class AdminActionView:
    at: datetime
    actor_email: str
    action: str
    target: str
    details: dict[str, Any]


async def _bind(session: AsyncSession, principal: Principal) -> None:
    """Teams and memberships are under row-level security: bind this transaction's org."""
    await bind_org(await session.connection(), principal.org_id)


async def list_users(session: AsyncSession, principal: Principal) -> list[UserView]:
    """The org's people, by e-mail, with their teams and any outstanding link.

    Columns are named one by one: the app role may not read ``password_hash``, so "invited"
    means an invite link was issued and not yet redeemed (redeeming deletes it).
    """
    await _bind(session, principal)
    now = datetime.now(UTC)
    rows = (
        await session.execute(
            select(
                User.id,
                User.email,
                User.name,
                User.role,
                User.is_active,
                AccountLink.purpose,
                AccountLink.expires_at,
            )
            .outerjoin(
                AccountLink,
                (AccountLink.org_id == User.org_id) & (AccountLink.user_id == User.id),
            )
            .where(v.org_users(principal))
            .order_by(User.email)
        )
    ).all()
    memberships = (
        await session.execute(
            select(TeamMember.user_id, TeamMember.team_id).where(v.org_team_members(principal))
        )
    ).all()
    teams_of: dict[uuid.UUID, list[uuid.UUID]] = {}
    for user_id, team_id in memberships:
        teams_of.setdefault(user_id, []).append(team_id)
    return [
        UserView(
            id=row.id,
            email=row.email,
            name=row.name,
            role=row.role,
            is_active=row.is_active,
            invited=row.purpose == "invite",
            link_expires_at=row.expires_at if row.expires_at and row.expires_at > now else None,
            team_ids=tuple(teams_of.get(row.id, ())),
        )
        for row in rows
    ]


async def list_teams(session: AsyncSession, principal: Principal) -> list[TeamView]:
    await _bind(session, principal)
    teams = (
        await session.scalars(select(Team).where(v.org_teams(principal)).order_by(Team.name))
    ).all()
    memberships = (
        await session.execute(
            select(TeamMember.team_id, TeamMember.user_id).where(v.org_team_members(principal))
        )
    ).all()
    members: dict[uuid.UUID, list[uuid.UUID]] = {}
    for team_id, user_id in memberships:
        members.setdefault(team_id, []).append(user_id)
    return [TeamView(t.id, t.name, tuple(members.get(t.id, ()))) for t in teams]


async def org_settings(session: AsyncSession, principal: Principal) -> OrgSettingsView | None:
    org = await session.scalar(select(Org).where(v.org_of(principal)))
    if org is None:
        return None
    return OrgSettingsView(
        org.name, org.slug, org.account_visibility, org.timezone, org.token_lifetime_days
    )


async def admin_actions(
    session: AsyncSession, principal: Principal, limit: int
) -> list[AdminActionView]:
    """The newest entries of the org's admin audit log."""
    rows = await session.scalars(
        select(AdminAction)
        .where(v.org_admin_actions(principal))
        .order_by(AdminAction.at.desc(), AdminAction.id)
        .limit(max(1, min(limit, 200)))
    )
    return [AdminActionView(r.at, r.actor_email, r.action, r.target, dict(r.details)) for r in rows]
