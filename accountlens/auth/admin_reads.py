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


async def list_users(session: AsyncSession, principal: Principal) -> list[UserView]:
    """The org's people, by e-mail, with their teams and any outstanding link."""
    now = datetime.now(UTC)
    rows = (
        await session.execute(
            select(User, AccountLink.expires_at)
            .outerjoin(
                AccountLink,
                (AccountLink.org_id == User.org_id)
                & (AccountLink.user_id == User.id)
                & (AccountLink.expires_at > now),
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
            id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            is_active=user.is_active,
            invited=user.password_hash is None and user.sso_subject is None,
            link_expires_at=expires,
            team_ids=tuple(teams_of.get(user.id, ())),
        )
        for user, expires in rows
    ]


async def list_teams(session: AsyncSession, principal: Principal) -> list[TeamView]:
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
