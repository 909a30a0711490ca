"""What an admin does on the admin pages: people, teams, org settings; each action audited.

One function per action, each small, each writing its ``admin_audit`` row in the same
transaction, so an action and its audit entry land together or not at all. The GraphQL
mutations (``accountlens.schema.admin``) are the only callers besides tests; they refuse tokens
before reaching here, and every function refuses a non-admin again (:class:`Refused`).

**Where the writes run.** The app role may not change roles, users, teams or orgs (see
:mod:`accountlens.db.grants`), so :class:`AdminService` opens its write sessions on the schema
owner's engine (``ACCOUNTLENS_DATABASE_OWNER_URL``; the embedded server's superuser). That is
the one place to swap for narrower database functions later. Every statement is scoped to the
admin's own org by the helpers of :mod:`accountlens.auth.visibility`: another org's user or
team is "not found", exactly like a made-up ID.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accountlens.auth import links, web_sessions
from accountlens.auth import visibility as v
from accountlens.auth.options import AuthOptions
from accountlens.auth.principal import Principal, Role
from accountlens.db.engine import Database
from accountlens.db.models import Account, AdminAction, Org, Team, TeamMember, User

Kind = Literal["forbidden", "not_found", "bad_input", "unavailable"]


class Refused(Exception):  # noqa: N818 - an outcome; the message is user-facing
    """The action cannot be done; ``kind`` maps to the GraphQL error code."""

    def __init__(self, kind: Kind, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.field = field


def _admin(principal: Principal) -> None:
    if principal.via_token:
        raise Refused("forbidden", "admin actions need a signed-in browser, not a token")
    if not principal.is_admin:
        raise Refused("forbidden", "only admins may do this")


def record_action(
    session: AsyncSession, principal: Principal, action: str, target: str, **details: Any
) -> None:
    """Add the ``admin_audit`` row of an admin action to ``session`` (its own transaction)."""
    session.add(
        AdminAction(
            org_id=principal.org_id,
            actor_id=principal.user_id,
            actor_email=principal.email,
            action=action,
            target=target,
            details=details,
        )
    )


async def _user(session: AsyncSession, principal: Principal, user_id: uuid.UUID) -> User:
    user = await session.scalar(select(User).where(v.org_user(principal, user_id)))
    if user is None:
        raise Refused("not_found", "no user with that ID", "userId")
    return user


async def _team(session: AsyncSession, principal: Principal, team_id: uuid.UUID) -> Team:
    team = await session.scalar(select(Team).where(v.org_team(principal, team_id)))
    if team is None:
        raise Refused("not_found", "no team with that ID", "teamId")
    return team


async def _keeps_an_admin(session: AsyncSession, principal: Principal, losing: User) -> None:
    """An org keeps at least one active admin: refuse demoting or disabling the last one."""
    others = await session.scalar(
        select(func.count())
        .select_from(User)
        .where(v.org_users(principal), User.role == "admin", User.is_active.is_(True))
        .where(User.id != losing.id)
    )
    if not others:
        raise Refused("bad_input", "the org would be left without an active admin", "userId")


def _name(value: str, what: str, field: str) -> str:
    cleaned = " ".join(value.split())
    if not cleaned or len(cleaned) > 200:
        raise Refused("bad_input", f"a {what} has 1 to 200 characters", field)
    return cleaned


# --- People ---------------------------------------------------------------------------------


async def invite_user(
    session: AsyncSession,
    principal: Principal,
    options: AuthOptions,
    email: str,
    name: str,
    role: Role,
) -> tuple[User, str]:
    """A new user without a password, and the invite link through which they set one."""
    _admin(principal)
    email = email.strip().lower()
    if "@" not in email or len(email) > 320 or any(c.isspace() for c in email):
        raise Refused("bad_input", "not an e-mail address", "email")
    exists = await session.scalar(
        select(User.id).where(v.org_users(principal), func.lower(User.email) == email)
    )
    if exists is not None:
        raise Refused("bad_input", "someone with that e-mail is already in the org", "email")
    user = User(
        org_id=principal.org_id,
        email=email,
        name=" ".join(name.split())[:200] or email,
        role=role,
        password_hash=None,
    )
    session.add(user)
    await session.flush()
    token = await links.issue(
        session, options.secret_key, user, "invite", options.invite_link_ttl, principal.user_id
    )
    record_action(session, principal, "user.invited", email, role=role)
    return user, token


async def change_role(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, role: Role
) -> User:
    _admin(principal)
    user = await _user(session, principal, user_id)
    if user.role != role:
        if role != "admin":
            await _keeps_an_admin(session, principal, user)
        record_action(
            session, principal, "user.role_changed", user.email, before=user.role, after=role
        )
        user.role = role
    return user


async def set_active(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID, active: bool
) -> User:
    """Disabling ends the user's web sessions at once; their tokens stop at the next check."""
    _admin(principal)
    user = await _user(session, principal, user_id)
    if user.is_active != active:
        if not active:
            await _keeps_an_admin(session, principal, user)
            await web_sessions.end_all(session, user.org_id, user.id)
        record_action(session, principal, "user.enabled" if active else "user.disabled", user.email)
        user.is_active = active
    return user


async def issue_reset_link(
    session: AsyncSession, principal: Principal, options: AuthOptions, user_id: uuid.UUID
) -> tuple[User, str, links.Purpose]:
    """A reset link for an active user (or a fresh invite link for one who never set one)."""
    _admin(principal)
    user = await _user(session, principal, user_id)
    if not user.is_active:
        raise Refused("bad_input", "enable the user before resetting their password", "userId")
    purpose = await links.purpose_for(session, user)
    ttl = options.invite_link_ttl if purpose == "invite" else options.reset_link_ttl
    token = await links.issue(session, options.secret_key, user, purpose, ttl, principal.user_id)
    record_action(session, principal, f"{purpose}.link_issued", user.email)
    return user, token, purpose


async def sign_out_everywhere(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID
) -> int:
    _admin(principal)
    user = await _user(session, principal, user_id)
    count = await web_sessions.end_all(session, user.org_id, user.id)
    record_action(session, principal, "user.signed_out", user.email, sessions=count)
    return count


# --- Teams ----------------------------------------------------------------------------------


async def create_team(session: AsyncSession, principal: Principal, name: str) -> Team:
    _admin(principal)
    cleaned = _name(name, "team name", "name")
    if await session.scalar(select(Team.id).where(v.org_teams(principal), Team.name == cleaned)):
        raise Refused("bad_input", "a team with that name exists", "name")
    team = Team(org_id=principal.org_id, name=cleaned)
    session.add(team)
    await session.flush()
    record_action(session, principal, "team.created", cleaned)
    return team


async def rename_team(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID, name: str
) -> Team:
    _admin(principal)
    team = await _team(session, principal, team_id)
    cleaned = _name(name, "team name", "name")
    if cleaned != team.name:
        taken = await session.scalar(
            select(Team.id).where(v.org_teams(principal), Team.name == cleaned)
        )
        if taken:
            raise Refused("bad_input", "a team with that name exists", "name")
        record_action(session, principal, "team.renamed", cleaned, before=team.name)
        team.name = cleaned
    return team


async def delete_team(session: AsyncSession, principal: Principal, team_id: uuid.UUID) -> None:
    _admin(principal)
    team = await _team(session, principal, team_id)
    # Its accounts keep no team: optional references take no action on delete (0021, Citus),
    # so they are cleared first, in the same transaction.
    await session.execute(
        update(Account).where(v.accounts_of_team(principal, team.id)).values(team_id=None)
    )
    await session.delete(team)  # memberships cascade (composite foreign key)
    record_action(session, principal, "team.deleted", team.name)


async def add_member(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    _admin(principal)
    team = await _team(session, principal, team_id)
    user = await _user(session, principal, user_id)
    if await session.scalar(
        select(TeamMember.user_id).where(v.org_team_member(principal, team.id, user.id))
    ):
        return
    session.add(TeamMember(org_id=principal.org_id, team_id=team.id, user_id=user.id))
    record_action(session, principal, "team.member_added", team.name, user=user.email)


async def remove_member(
    session: AsyncSession, principal: Principal, team_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    _admin(principal)
    team = await _team(session, principal, team_id)
    user = await _user(session, principal, user_id)
    gone = await session.execute(
        delete(TeamMember)
        .where(v.org_team_member(principal, team.id, user.id))
        .returning(TeamMember.user_id)
    )
    if gone.first() is None:
        raise Refused("not_found", "that user is not in the team", "userId")
    record_action(session, principal, "team.member_removed", team.name, user=user.email)


# --- Org settings ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrgSettingsChange:
    account_visibility: str
    timezone: str
    token_lifetime_days: int | None


def valid_timezone(name: str) -> bool:
    """An IANA time zone name the server's tz database knows ("Europe/Berlin", "UTC")."""
    if not name or len(name) > 64 or (name not in available_timezones() and name != "UTC"):
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


async def set_org_settings(
    session: AsyncSession, principal: Principal, change: OrgSettingsChange, max_days: int
) -> Org:
    _admin(principal)
    if change.account_visibility not in ("open", "restricted"):
        raise Refused("bad_input", "account visibility is open or restricted", "accountVisibility")
    if not valid_timezone(change.timezone):
        raise Refused("bad_input", "not an IANA time zone name, e.g. Europe/Berlin", "timezone")
    days = change.token_lifetime_days
    if days is not None and not 1 <= days <= max_days:
        raise Refused(
            "bad_input", f"the token lifetime ceiling is 1 to {max_days} days", "tokenLifetimeDays"
        )
    org = await session.scalar(select(Org).where(v.org_of(principal)))
    if org is None:
        raise Refused("not_found", "no such org")
    before = {
        "account_visibility": org.account_visibility,
        "timezone": org.timezone,
        "token_lifetime_days": org.token_lifetime_days,
    }
    after = {
        "account_visibility": change.account_visibility,
        "timezone": change.timezone,
        "token_lifetime_days": days,
    }
    changed = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    if changed:
        org.account_visibility = change.account_visibility
        org.timezone = change.timezone
        org.token_lifetime_days = days
        record_action(session, principal, "org.settings_changed", org.slug, **changed)
    return org


# --- The service: where the sessions come from ----------------------------------------------


class AdminService:
    """Opens the sessions the functions above run in, and commits them."""

    def __init__(self, database: Callable[[], Database], options: AuthOptions) -> None:
        self._database = database
        self.options = options

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """A transaction as the schema owner (see the module doc), committed on success."""
        factory = async_sessionmaker(self._database().owner, expire_on_commit=False)
        async with factory() as session:
            try:
                yield session
                await session.commit()
            except IntegrityError:
                await session.rollback()
                raise Refused("bad_input", "that change conflicts with another one") from None
            except ProgrammingError as exc:
                await session.rollback()
                if "permission denied" not in str(exc):
                    raise
                raise Refused(
                    "unavailable",
                    "admin changes need ACCOUNTLENS_DATABASE_OWNER_URL (see docs/operations.md)",
                ) from None


def get_admin_service(conn: Any) -> AdminService:
    """The service installed on the app (``accountlens.auth.install``)."""
    service: AdminService = conn.app.state.admin_service
    return service
