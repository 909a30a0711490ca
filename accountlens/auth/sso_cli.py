"""Operator commands: ``accountlens sso set|show|remove`` (an org's OpenID provider).

As in :mod:`accountlens.auth.cli`, a command imports what it calls when it runs: the OpenID
client (authlib, httpx) is no part of any other command's start.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from accountlens.auth.cli import OrgSlug, _run, console, errors
from accountlens.config import Settings, UnsafeConfigurationError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

sso_app = typer.Typer(
    help="Single sign-on: an org's OpenID Connect provider.", no_args_is_help=True
)


def _secret_key() -> bytes:
    try:
        return Settings().secret_key.get_secret_value().encode()
    except (ValidationError, UnsafeConfigurationError) as exc:
        errors.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


@sso_app.command("set")
def sso_set(
    org: OrgSlug,
    issuer: Annotated[str, typer.Option(help="The provider's issuer URL (https)")],
    client_id: Annotated[str, typer.Option(help="The client ID the provider gave AccountLens")],
    domain: Annotated[
        list[str], typer.Option(help="An allowed e-mail domain (repeat for several)")
    ],
    client_secret_file: Annotated[
        Path | None,
        typer.Option(help="File holding the client secret (kept if omitted and unchanged ID)"),
    ] = None,
    jit: Annotated[
        bool, typer.Option("--jit/--no-jit", help="Create unknown people on first sign-in")
    ] = False,
    default_role: Annotated[str, typer.Option(help="Role of people created: member | admin")] = (
        "member"
    ),
    local_passwords: Annotated[
        bool,
        typer.Option(
            "--local-passwords/--no-local-passwords",
            help="Whether the org's people may still sign in with a password",
        ),
    ] = True,
) -> None:
    """Set (or replace) the org's OpenID provider. The secret is stored encrypted."""
    from accountlens.auth.sso_admin import SsoSettings, set_sso

    if default_role not in ("admin", "member"):
        errors.print("[red]the default role is admin or member[/red]")
        raise typer.Exit(2)
    secret = None
    if client_secret_file is not None:
        try:
            secret = client_secret_file.read_text()
        except OSError as exc:
            errors.print(f"[red]Cannot read the client secret file: {exc.strerror}[/red]")
            raise typer.Exit(2) from exc
    wanted = SsoSettings(
        issuer=issuer,
        client_id=client_id,
        client_secret=secret,
        domains=tuple(domain),
        jit_provisioning=jit,
        default_role="admin" if default_role == "admin" else "member",
        local_passwords_disabled=not local_passwords,
    )
    key = _secret_key()

    async def work(session: AsyncSession) -> None:
        await set_sso(session, key, org, wanted)

    _run(work)
    console.print(f"[green]{org} signs in through {issuer.strip()}.[/green]")


@sso_app.command("show")
def sso_show(org: Annotated[str | None, typer.Option(help="Only this org")] = None) -> None:
    """List orgs with single sign-on (the client secret is never shown)."""
    from accountlens.auth.sso_admin import list_sso

    async def work(session: AsyncSession) -> list[tuple[str, ...]]:
        return [
            (
                o.slug,
                c.issuer,
                c.client_id,
                ", ".join(c.allowed_domains),
                f"on ({c.default_role})" if c.jit_provisioning else "off",
                "disabled" if c.local_passwords_disabled else "allowed",
            )
            for o, c in await list_sso(session, org)
        ]

    table = Table("Org", "Issuer", "Client ID", "Domains", "JIT", "Passwords")
    for row in _run(work):
        table.add_row(*row)
    console.print(table)


@sso_app.command("remove")
def sso_remove(org: OrgSlug) -> None:
    """Stop single sign-on for the org (its people sign in with passwords again)."""
    from accountlens.auth.sso_admin import remove_sso

    async def work(session: AsyncSession) -> bool:
        return await remove_sso(session, org)

    removed = _run(work)
    console.print(f"[green]Removed SSO of {org}.[/green]" if removed else f"{org} had no SSO.")
