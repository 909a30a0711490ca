"""Operator commands: ``accountlens users add|list|set-role|disable`` and ``orgs add|list``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Literal, TypeVar

import typer
from pydantic import SecretStr, ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from accountlens.auth import users as accounts
from accountlens.config import Settings, UnsafeConfigurationError
from accountlens.db.engine import open_database, resolve_database_url
from accountlens.db.migrate import upgrade

T = TypeVar("T")

users_app = typer.Typer(help="Manage people who sign in.", no_args_is_help=True)
orgs_app = typer.Typer(help="Manage orgs (workspaces).", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


def _run(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction on the configured (or embedded) database, then commit."""
    try:
        settings = Settings()
    except (ValidationError, UnsafeConfigurationError) as exc:
        errors.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc
    url, embedded = resolve_database_url(settings)
    if embedded is not None:
        settings = settings.model_copy(update={"database_url": SecretStr(str(url))})

    async def run() -> T:
        db = await open_database(settings)
        try:
            await upgrade(db.engine)
            async with db.sessions() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await db.close(stop_embedded=False)

    try:
        return asyncio.run(run())
    except accounts.AccountError as exc:
        errors.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    finally:
        if embedded is not None:
            embedded.stop()


Role = Literal["admin", "member"]


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="Sign-in e-mail")],
    org: Annotated[str, typer.Option(help="Org slug")],
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
        await accounts.create_user(session, org, email, name, password, role)  # type: ignore[arg-type]

    _run(work)
    console.print(f"[green]Added {email} to {org} as {role}.[/green]")


@users_app.command("list")
def users_list(org: Annotated[str | None, typer.Option(help="Only this org")] = None) -> None:
    """List accounts."""

    async def work(session: AsyncSession) -> list[tuple[str, str, str, str, str]]:
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
    email: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Argument(help="admin | member")],
    org: Annotated[str, typer.Option(help="Org slug")],
) -> None:
    """Make someone an admin or a member."""
    if role not in ("admin", "member"):
        errors.print("[red]role is admin or member[/red]")
        raise typer.Exit(2)

    async def work(session: AsyncSession) -> None:
        await accounts.set_role(session, org, email, role)  # type: ignore[arg-type]

    _run(work)
    console.print(f"[green]{email} is now {role} in {org}.[/green]")


@users_app.command("disable")
def users_disable(
    email: Annotated[str, typer.Argument()],
    org: Annotated[str, typer.Option(help="Org slug")],
    enable: Annotated[bool, typer.Option("--enable", help="Re-enable instead")] = False,
) -> None:
    """Disable an account: its sessions and connections stop working at once."""

    async def work(session: AsyncSession) -> None:
        await accounts.set_active(session, org, email, enable)

    _run(work)
    console.print(f"[green]{email} is {'enabled' if enable else 'disabled'} in {org}.[/green]")


@orgs_app.command("add")
def orgs_add(
    slug: Annotated[str, typer.Argument(help="Short id, e.g. acme")],
    name: Annotated[str, typer.Option(help="Display name")] = "",
    visibility: Annotated[str, typer.Option(help="open | restricted")] = "restricted",
) -> None:
    """Create an org."""

    async def work(session: AsyncSession) -> None:
        await accounts.create_org(session, name or slug, slug, visibility)

    _run(work)
    console.print(f"[green]Created org {slug}.[/green]")


@orgs_app.command("list")
def orgs_list() -> None:
    """List orgs."""

    async def work(session: AsyncSession) -> list[tuple[str, str, str]]:
        return [(o.slug, o.name, o.account_visibility) for o in await accounts.list_orgs(session)]

    table = Table("Slug", "Name", "Account visibility")
    for row in _run(work):
        table.add_row(*row)
    console.print(table)
