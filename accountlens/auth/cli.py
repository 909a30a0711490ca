"""Operator commands: ``accountlens users add|list|set-role|set-password|reset-link|disable|
sign-out``, ``orgs add|list`` and ``connections list|revoke|service-token``.

Each command imports the database layer and the modules it calls when it runs, not this module:
every command is a process of its own, and ``accountlens --help`` (or ``accountlens sso ...``)
should not pay for SQLAlchemy's models and Alembic first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Literal, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from accountlens.auth.options import AuthOptions
from accountlens.config import Settings, UnsafeConfigurationError
from accountlens.db.datadir import DataDirNotFoundError, locate_data_dir

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from accountlens.auth.visibility import ConnectionMatch

T = TypeVar("T")

#: The arguments most commands take: whose account, in which org.
Email = Annotated[str, typer.Argument()]
OrgSlug = Annotated[str, typer.Option(help="Org slug")]

users_app = typer.Typer(help="Manage people who sign in.", no_args_is_help=True)
orgs_app = typer.Typer(help="Manage orgs (workspaces).", no_args_is_help=True)
connections_app = typer.Typer(
    help="List and revoke MCP connections (the access tokens clients hold).", no_args_is_help=True
)
console = Console()
errors = Console(stderr=True)


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction on the configured (or embedded) database, then commit."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from accountlens.auth.users import AccountError
    from accountlens.db.engine import open_database, pin_database
    from accountlens.db.migrate import prepare_database

    try:
        settings = Settings()
    except (ValidationError, UnsafeConfigurationError) as exc:
        errors.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc
    try:  # the server's embedded database, never a new one (see accountlens.db.datadir)
        settings = locate_data_dir(settings, may_create=False)
    except DataDirNotFoundError as exc:
        errors.print(f"[red]No database:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from exc
    settings, embedded = pin_database(settings)

    async def run() -> T:
        db = await open_database(settings)
        try:
            await prepare_database(db)
            # Operator commands change users and orgs, which the app role may not: the owner.
            async with async_sessionmaker(db.owner, expire_on_commit=False)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await db.close(stop_embedded=False)

    try:
        return asyncio.run(run())
    except AccountError as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        if embedded is not None:
            embedded.stop()


Role = Literal["admin", "member"]


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="Sign-in e-mail")],
    org: OrgSlug,
    name: Annotated[str, typer.Option(help="Display name")] = "",
    role: Annotated[str, typer.Option(help="admin | member")] = "member",
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create a local account (argon2-hashed password)."""
    if role not in ("admin", "member"):
        errors.print("[red]role is admin or member[/red]")
        raise typer.Exit(2)

    async def work(session: AsyncSession) -> None:
        from accountlens.auth import users as accounts

        await accounts.create_user(session, org, email, name, password, role)  # type: ignore[arg-type]

    _run(work)
    console.print(f"[green]Added {email} to {org} as {role}.[/green]")


@users_app.command("list")
def users_list(org: Annotated[str | None, typer.Option(help="Only this org")] = None) -> None:
    """List accounts."""

    async def work(session: AsyncSession) -> list[tuple[str, str, str, str, str]]:
        from accountlens.auth import users as accounts

        return [
            (o.slug, u.email, u.name, u.role, "active" if u.is_active else "disabled")
            for u, o in await accounts.list_users(session, org)
        ]

    table = Table("Org", "E-mail", "Name", "Role", "Status")
    for row in _run(work):
        table.add_row(*row)
    console.print(table)


@users_app.command("set-role")
def users_set_role(
    email: Email,
    role: Annotated[str, typer.Argument(help="admin | member")],
    org: OrgSlug,
) -> None:
    """Make someone an admin or a member."""
    if role not in ("admin", "member"):
        errors.print("[red]role is admin or member[/red]")
        raise typer.Exit(2)

    async def work(session: AsyncSession) -> None:
        from accountlens.auth import users as accounts

        await accounts.set_role(session, org, email, role)  # type: ignore[arg-type]

    _run(work)
    console.print(f"[green]{email} is now {role} in {org}.[/green]")


@users_app.command("reset-link")
def users_reset_link(
    email: Email,
    org: OrgSlug,
) -> None:
    """Print a single-use, expiring link through which the person sets a new password.

    There is no mail server: hand the link over yourself. A person who never set a password
    gets an invite link instead. A new link replaces any earlier one.
    """
    options = AuthOptions.from_settings(Settings())

    async def work(session: AsyncSession) -> str:
        from accountlens.auth import links
        from accountlens.auth import users as accounts
        from accountlens.db.models import AdminAction

        user = await accounts.find_user(session, org, email)
        if not user.is_active:
            raise accounts.AccountError(f"{email} is disabled; enable them first")
        purpose = await links.purpose_for(session, user)
        ttl = options.invite_link_ttl if purpose == "invite" else options.reset_link_ttl
        token = await links.issue(session, options.secret_key, user, purpose, ttl, None)
        session.add(
            AdminAction(
                org_id=user.org_id,
                actor_id=None,
                actor_email="operator (accountlens users reset-link)",
                action=f"{purpose}.link_issued",
                target=user.email,
                details={},
            )
        )
        return links.url_of(options.public_url, token)

    url = _run(work)
    console.print(url, soft_wrap=True, highlight=False)


@users_app.command("disable")
def users_disable(
    email: Email,
    org: OrgSlug,
    enable: Annotated[bool, typer.Option("--enable", help="Re-enable instead")] = False,
) -> None:
    """Disable an account: its web sessions end and its connections stop working at once."""

    async def work(session: AsyncSession) -> None:
        from accountlens.auth import users as accounts

        await accounts.set_active(session, org, email, enable)

    _run(work)
    console.print(f"[green]{email} is {'enabled' if enable else 'disabled'} in {org}.[/green]")


@users_app.command("set-password")
def users_set_password(
    email: Email,
    org: OrgSlug,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Reset a password (argon2-hashed); every web session of the user ends at once."""

    async def work(session: AsyncSession) -> None:
        from accountlens.auth import users as accounts

        await accounts.set_password(session, org, email, password)

    _run(work)
    console.print(f"[green]New password set for {email} in {org}; their sessions ended.[/green]")


@users_app.command("sign-out")
def users_sign_out(
    email: Email,
    org: Annotated[
        str | None, typer.Option(help="Only this org (default: every org the e-mail is in)")
    ] = None,
) -> None:
    """Sign a person out everywhere: every web session of theirs ends on its next request.

    MCP connections are not touched: revoke them with ``connections revoke --user``.
    """

    async def work(session: AsyncSession) -> int:
        from accountlens.auth import users as accounts

        return await accounts.sign_out_everywhere(session, org, email)

    count = _run(work)
    console.print(f"[green]Ended {count} session{'' if count == 1 else 's'} of {email}.[/green]")


@orgs_app.command("add")
def orgs_add(
    slug: Annotated[str, typer.Argument(help="Short id, e.g. acme")],
    name: Annotated[str, typer.Option(help="Display name")] = "",
    visibility: Annotated[str, typer.Option(help="open | restricted")] = "restricted",
) -> None:
    """Create an org."""

    async def work(session: AsyncSession) -> None:
        from accountlens.auth import users as accounts

        await accounts.create_org(session, name or slug, slug, visibility)

    _run(work)
    console.print(f"[green]Created org {slug}.[/green]")


@orgs_app.command("list")
def orgs_list() -> None:
    """List orgs."""

    async def work(session: AsyncSession) -> list[tuple[str, str, str]]:
        from accountlens.auth import users as accounts

        return [(o.slug, o.name, o.account_visibility) for o in await accounts.list_orgs(session)]

    table = Table("Slug", "Name", "Account visibility")
    for row in _run(work):
        table.add_row(*row)
    console.print(table)


async def _match(
    session: AsyncSession, org: str | None, user: str | None, client: str | None
) -> ConnectionMatch:
    """The connections the command's options name (an unknown org or user is an error)."""
    from accountlens.auth import users as accounts
    from accountlens.auth.visibility import ConnectionMatch

    if user is not None:
        if org is None:
            raise accounts.AccountError("--user needs --org (an e-mail is unique per org)")
        found = await accounts.find_user(session, org, user)
        return ConnectionMatch(found.org_id, found.id, client)
    org_id = (await accounts.org_by_slug(session, org)).id if org is not None else None
    return ConnectionMatch(org_id, None, client)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else "never"


@connections_app.command("list")
def connections_list(
    org: Annotated[str | None, typer.Option(help="Only this org (slug)")] = None,
    user: Annotated[str | None, typer.Option(help="Only this owner (e-mail; needs --org)")] = None,
    client: Annotated[str | None, typer.Option(help="Only this OAuth client_id")] = None,
) -> None:
    """List live connections: org, owner, client, created, last used, expires."""

    async def work(session: AsyncSession) -> list[tuple[str, ...]]:
        from accountlens.auth import connections

        match = await _match(session, org, user, client)
        found = await connections.operator_connections(session, match)
        return [
            (o.slug, u.email, f"{c.client_name} ({c.client_id})", _when(c.created_at),
             _when(c.last_used_at), _when(c.expires_at))
            for c, u, o in found
        ]  # fmt: skip

    table = Table("Org", "Owner", "Client", "Created", "Last used", "Expires")
    for row in _run(work):
        table.add_row(*row)
    console.print(table)


@connections_app.command("revoke")
def connections_revoke(
    org: Annotated[str | None, typer.Option(help="Org slug (required with --user)")] = None,
    user: Annotated[str | None, typer.Option(help="Revoke every connection of this e-mail")] = None,
    client: Annotated[
        str | None, typer.Option(help="Revoke every connection of this OAuth client_id")
    ] = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Revoke every connection (of --org, if given)")
    ] = False,
) -> None:
    """Revoke every live connection of a user (--org, --user), of a client (--client) or all.

    Their tokens are refused from the next request on. Web sessions stay: see users sign-out.
    """
    if user is None and client is None and not everything:
        errors.print("[red]say whose connections: --user (with --org), --client, or --all[/red]")
        raise typer.Exit(2)

    async def work(session: AsyncSession) -> int:
        from accountlens.auth import connections

        return await connections.revoke_all(session, await _match(session, org, user, client))

    count = _run(work)
    console.print(f"[green]Revoked {count} connection{'' if count == 1 else 's'}.[/green]")


@connections_app.command("service-token")
def connections_service_token(
    org: OrgSlug,
    user: Annotated[str, typer.Option(help="The admin it reads as (e-mail)")],
    name: Annotated[str, typer.Option(help="The app's name, as listed beside the connections")],
    days: Annotated[
        int, typer.Option(min=1, max=3650, help="Lifetime, capped by the ceiling")
    ] = 90,
) -> None:
    """Create a read-only service token for an internal app's /graphql calls; printed once.

    It reads as the admin ``--user`` (see docs/security.md), like one made in the web UI.
    """
    from accountlens.auth import service_tokens

    cleaned = service_tokens.clean_name(name)
    if cleaned is None:
        errors.print(f"[red]name the app in 1 to {service_tokens.MAX_NAME} characters[/red]")
        raise typer.Exit(2)
    options = AuthOptions.from_settings(Settings())

    async def work(session: AsyncSession) -> str:
        from accountlens.auth import repository
        from accountlens.auth import users as accounts

        found = await accounts.find_user(session, org, user)
        if found.role != "admin" or not found.is_active:
            raise accounts.AccountError(f"{user} is not an active admin of {org}")
        issued = await service_tokens.create(
            session, options, repository.principal_of(found), cleaned, days
        )
        assert issued is not None  # an admin's, outside any token
        return issued.token

    token = _run(work)
    errors.print(f"[green]Service token for {cleaned} (shown once):[/green]")
    typer.echo(token)  # stdout carries the token alone, for scripts
