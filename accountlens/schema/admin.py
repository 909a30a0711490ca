"""The admin pages' reads and writes: people, teams, org settings, the admin audit log.

SPEC §2: the schema owns the web UI's admin mutations. Every mutation here is refused to any
bearer token before execution (``READ_ONLY_TOKEN``, :mod:`accountlens.schema.request_policy`),
and each resolver refuses tokens and non-admins again; the writes themselves are the functions
of :mod:`accountlens.auth.admin`, one per action, each audited.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar, cast

import strawberry
from strawberry.scalars import JSON

from accountlens.auth import admin, admin_reads, links
from accountlens.auth.principal import Principal, Role
from accountlens.schema.errors import (
    BadInputError,
    ClientError,
    ForbiddenError,
    NotFoundError,
)
from accountlens.schema.ids import decode_as, encode_id
from accountlens.schema.types.base import AppInfo, field

T = TypeVar("T")
MAX_ADMIN_AUDIT = 200


class AdminUnavailableError(ClientError):
    code = "UNAVAILABLE"


def _refusal(refused: admin.Refused) -> ClientError:
    details = {"field": refused.field} if refused.field else {}
    if refused.kind == "forbidden":
        return ForbiddenError(str(refused), **details)
    if refused.kind == "not_found":
        return NotFoundError(str(refused), **details)
    if refused.kind == "unavailable":
        return AdminUnavailableError(str(refused))
    return BadInputError(str(refused), **details)


def _admin_only(info: AppInfo) -> Principal:
    principal = info.context.principal
    if principal.via_token:
        raise ForbiddenError("admin pages need a signed-in browser session, not a token")
    if not principal.is_admin:
        raise ForbiddenError("only admins may see or change this")
    return principal


def _id(type_key: str, value: str, field_name: str) -> uuid.UUID:
    parsed = decode_as(type_key, value)
    if parsed is None:
        raise BadInputError(f"not a {type_key} ID", field=field_name)
    return parsed


def _role(value: str) -> Role:
    if value not in ("admin", "member"):
        raise BadInputError("role is admin or member", field="role")
    return cast(Role, value)


async def write_admin_action(info: AppInfo, action: Callable[[Any, Principal], Awaitable[T]]) -> T:
    """Run one action of :mod:`accountlens.auth.admin` in its own owner transaction."""
    principal = _admin_only(info)
    request: Any = info.context.request
    if request is None:
        raise AdminUnavailableError("admin changes need the web app")
    try:
        async with admin.get_admin_service(request).writing() as session:
            return await action(session, principal)
    except admin.Refused as refused:
        raise _refusal(refused) from None


@asynccontextmanager
async def _reading(info: AppInfo) -> AsyncIterator[tuple[Any, Principal]]:
    principal = _admin_only(info)
    async with info.context.primary_sessions() as session:
        yield session, principal


@strawberry.type(description="A person of your org, as the admin pages show them.")
class AdminUser:
    id: strawberry.ID
    email: str
    name: str
    role: str
    active: bool
    invited: bool = strawberry.field(description="Has not set a password through the invite.")
    link_expires_at: datetime | None = strawberry.field(
        description="When their outstanding invite or reset link expires, if one is."
    )
    team_ids: list[strawberry.ID]

    @classmethod
    def from_view(cls, view: admin_reads.UserView) -> AdminUser:
        return cls(
            id=strawberry.ID(encode_id("user", view.id)),
            email=view.email,
            name=view.name,
            role=view.role,
            active=view.is_active,
            invited=view.invited,
            link_expires_at=view.link_expires_at,
            team_ids=[strawberry.ID(encode_id("team", t)) for t in view.team_ids],
        )


@strawberry.type(description="A team of your org and its members.")
class AdminTeam:
    id: strawberry.ID
    name: str
    member_ids: list[strawberry.ID]


@strawberry.type(description="Your org's settings.")
class OrgSettings:
    name: str
    slug: str
    account_visibility: str = strawberry.field(description="open or restricted.")
    timezone: str = strawberry.field(description="IANA time zone name; dates are read in it.")
    token_lifetime_days: int | None = strawberry.field(
        description="The org's ceiling on a connection's lifetime; null: the deployment's."
    )
    deployment_token_lifetime_days: int


@strawberry.type(description="One admin action, from the admin audit log.")
class AdminAuditEntry:
    at: datetime
    actor_email: str
    action: str
    target: str
    details: JSON


@strawberry.type(description="A single-use link to hand over: the person sets a password with it.")
class AccountLink:
    user_id: strawberry.ID
    email: str
    url: str
    purpose: str = strawberry.field(description="invite or reset.")


def _team(team: Any, member_ids: list[uuid.UUID] | None = None) -> AdminTeam:
    return AdminTeam(
        id=strawberry.ID(encode_id("team", team.id)),
        name=team.name,
        member_ids=[strawberry.ID(encode_id("user", m)) for m in member_ids or []],
    )


def _deployment_days(info: AppInfo) -> int:
    request: Any = info.context.request
    options = admin.get_admin_service(request).options
    return max(1, options.access_token_ttl.days)


def _link(info: AppInfo, user: Any, token: str, purpose: str) -> AccountLink:
    request: Any = info.context.request
    options = admin.get_admin_service(request).options
    return AccountLink(
        user_id=strawberry.ID(encode_id("user", user.id)),
        email=user.email,
        url=links.url_of(options.public_url, token),
        purpose=purpose,
    )


@strawberry.type
class AdminQuery:
    @field("Admins: the people of your org, by e-mail.")
    async def admin_users(self, info: AppInfo) -> list[AdminUser]:
        async with _reading(info) as (session, principal):
            views = await admin_reads.list_users(session, principal)
        return [AdminUser.from_view(v) for v in views]

    @field("Admins: the teams of your org and their members, by name.")
    async def admin_teams(self, info: AppInfo) -> list[AdminTeam]:
        async with _reading(info) as (session, principal):
            views = await admin_reads.list_teams(session, principal)
        return [
            AdminTeam(
                id=strawberry.ID(encode_id("team", t.id)),
                name=t.name,
                member_ids=[strawberry.ID(encode_id("user", m)) for m in t.member_ids],
            )
            for t in views
        ]

    @field("Admins: your org's settings.")
    async def org_settings(self, info: AppInfo) -> OrgSettings:
        async with _reading(info) as (session, principal):
            view = await admin_reads.org_settings(session, principal)
        if view is None:
            raise NotFoundError("no such org")
        return OrgSettings(
            name=view.name,
            slug=view.slug,
            account_visibility=view.account_visibility,
            timezone=view.timezone,
            token_lifetime_days=view.token_lifetime_days,
            deployment_token_lifetime_days=_deployment_days(info),
        )

    @field("Admins: the newest entries of your org's admin audit log (at most 200).")
    async def admin_audit_log(self, info: AppInfo, first: int = 50) -> list[AdminAuditEntry]:
        async with _reading(info) as (session, principal):
            views = await admin_reads.admin_actions(session, principal, min(first, MAX_ADMIN_AUDIT))
        return [
            AdminAuditEntry(
                at=v.at,
                actor_email=v.actor_email,
                action=v.action,
                target=v.target,
                details=cast(JSON, v.details),
            )
            for v in views
        ]


@strawberry.type
class AdminMutation:
    @field("Admins: add a person without a password; returns the invite link to hand over.")
    async def invite_user(
        self, info: AppInfo, email: str, role: str = "member", name: str = ""
    ) -> AccountLink:
        wanted = _role(role)
        request: Any = info.context.request

        async def act(session: Any, principal: Principal) -> tuple[Any, str]:
            options = admin.get_admin_service(request).options
            return await admin.invite_user(session, principal, options, email, name, wanted)

        user, token = await write_admin_action(info, act)
        return _link(info, user, token, "invite")

    @field("Admins: make a person of your org an admin or a member.")
    async def set_user_role(
        self, info: AppInfo, user_id: strawberry.ID, role: str
    ) -> strawberry.ID:
        target, wanted = _id("user", str(user_id), "userId"), _role(role)
        await write_admin_action(info, lambda s, p: admin.change_role(s, p, target, wanted))
        return user_id

    @field("Admins: disable (ends their sessions; their tokens stop working) or enable a person.")
    async def set_user_active(
        self, info: AppInfo, user_id: strawberry.ID, active: bool
    ) -> strawberry.ID:
        target = _id("user", str(user_id), "userId")
        await write_admin_action(info, lambda s, p: admin.set_active(s, p, target, active))
        return user_id

    @field("Admins: a single-use, expiring link through which the person sets a new password.")
    async def issue_password_reset(self, info: AppInfo, user_id: strawberry.ID) -> AccountLink:
        target = _id("user", str(user_id), "userId")
        request: Any = info.context.request

        async def act(session: Any, principal: Principal) -> tuple[Any, str, str]:
            options = admin.get_admin_service(request).options
            return await admin.issue_reset_link(session, principal, options, target)

        user, token, purpose = await write_admin_action(info, act)
        return _link(info, user, token, purpose)

    @field("Admins: create a team.")
    async def create_team(self, info: AppInfo, name: str) -> AdminTeam:
        return _team(await write_admin_action(info, lambda s, p: admin.create_team(s, p, name)))

    @field("Admins: rename a team.")
    async def rename_team(self, info: AppInfo, id: strawberry.ID, name: str) -> AdminTeam:
        target = _id("team", str(id), "id")
        return _team(
            await write_admin_action(info, lambda s, p: admin.rename_team(s, p, target, name))
        )

    @field("Admins: delete a team (its memberships go; its accounts keep no team).")
    async def delete_team(self, info: AppInfo, id: strawberry.ID) -> strawberry.ID:
        target = _id("team", str(id), "id")
        await write_admin_action(info, lambda s, p: admin.delete_team(s, p, target))
        return id

    @field("Admins: add a person of your org to a team.")
    async def add_team_member(
        self, info: AppInfo, team_id: strawberry.ID, user_id: strawberry.ID
    ) -> strawberry.ID:
        team, user = _id("team", str(team_id), "teamId"), _id("user", str(user_id), "userId")
        await write_admin_action(info, lambda s, p: admin.add_member(s, p, team, user))
        return team_id

    @field("Admins: remove a person from a team.")
    async def remove_team_member(
        self, info: AppInfo, team_id: strawberry.ID, user_id: strawberry.ID
    ) -> strawberry.ID:
        team, user = _id("team", str(team_id), "teamId"), _id("user", str(user_id), "userId")
        await write_admin_action(info, lambda s, p: admin.remove_member(s, p, team, user))
        return team_id

    @field("Admins: change your org's account visibility, time zone and token lifetime ceiling.")
    async def update_org_settings(
        self,
        info: AppInfo,
        account_visibility: str,
        timezone: str,
        token_lifetime_days: int | None = None,
    ) -> strawberry.ID:
        change = admin.OrgSettingsChange(account_visibility, timezone.strip(), token_lifetime_days)
        ceiling = _deployment_days(info)
        org = await write_admin_action(
            info, lambda s, p: admin.set_org_settings(s, p, change, ceiling)
        )
        return strawberry.ID(encode_id("org", org.id))
