"""The operator's SSO settings per org: ``accountlens sso set|show|remove`` (run as the owner)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from accountlens.auth.api import SsoChanges, SsoSettingsView, SsoUpdateRefused
from accountlens.auth.oidc_client import check_issuer_url
from accountlens.auth.principal import Role
from accountlens.auth.sso_secrets import seal
from accountlens.auth.users import AccountError, org_by_slug
from accountlens.db.models import Org, SsoConfig

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True, slots=True)
class SsoSettings:
    """What ``accountlens sso set`` asks for; ``client_secret`` None keeps the stored one."""

    issuer: str
    client_id: str
    client_secret: str | None
    domains: tuple[str, ...]
    jit_provisioning: bool
    default_role: Role
    local_passwords_disabled: bool


def _domains(raw: tuple[str, ...]) -> list[str]:
    domains = sorted({d.strip().lower().lstrip("@") for d in raw if d.strip()})
    if not domains:
        raise AccountError("give at least one allowed e-mail domain (--domain)")
    for domain in domains:
        if not DOMAIN.match(domain):
            raise AccountError(f"{domain!r} is not a domain name")
    return domains


async def set_sso(
    session: AsyncSession, secret_key: bytes, org_slug: str, wanted: SsoSettings
) -> SsoConfig:
    """Create or replace the org's SSO settings; a domain belongs to one org only."""
    org = await org_by_slug(session, org_slug)
    try:
        issuer = check_issuer_url(wanted.issuer.strip())
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    client_id = wanted.client_id.strip()
    if not client_id:
        raise AccountError("the client ID is empty")
    domains = _domains(wanted.domains)
    for other, claimed in (
        await session.execute(
            select(Org.slug, SsoConfig.allowed_domains)
            .join(Org, Org.id == SsoConfig.org_id)
            .where(SsoConfig.org_id != org.id)
        )
    ).all():
        taken = sorted(set(claimed) & set(domains))
        if taken:
            raise AccountError(f"{', '.join(taken)} already signs in to org {other!r}")
    config = await session.get(SsoConfig, org.id)
    if wanted.client_secret is not None:
        if not wanted.client_secret.strip():
            raise AccountError("the client secret file is empty")
        sealed = seal(secret_key, org.id, client_id, wanted.client_secret.strip())
    elif config is not None and config.client_id == client_id:
        sealed = config.client_secret
    else:
        raise AccountError("give the client secret (--client-secret-file)")
    if config is None:
        config = SsoConfig(org_id=org.id)
        session.add(config)
    config.issuer = issuer
    config.client_id = client_id
    config.client_secret = sealed
    config.allowed_domains = domains
    config.jit_provisioning = wanted.jit_provisioning
    config.default_role = wanted.default_role
    config.local_passwords_disabled = wanted.local_passwords_disabled
    await session.flush()
    return config


async def list_sso(session: AsyncSession, org_slug: str | None) -> list[tuple[Org, SsoConfig]]:
    statement = (
        select(Org, SsoConfig).join(SsoConfig, SsoConfig.org_id == Org.id).order_by(Org.slug)
    )
    if org_slug:
        statement = statement.where(Org.slug == org_slug)
    return [(org, config) for org, config in (await session.execute(statement)).all()]


async def remove_sso(session: AsyncSession, org_slug: str) -> bool:
    org = await org_by_slug(session, org_slug)
    result = await session.execute(
        delete(SsoConfig).where(SsoConfig.org_id == org.id).returning(SsoConfig.org_id)
    )
    return result.first() is not None


def view_of(config: SsoConfig, callback_url: str) -> SsoSettingsView:
    return SsoSettingsView(
        issuer=config.issuer,
        client_id=config.client_id,
        allowed_domains=tuple(config.allowed_domains),
        jit_provisioning=config.jit_provisioning,
        default_role=config.default_role,
        local_passwords_disabled=config.local_passwords_disabled,
        callback_url=callback_url,
        updated_at=config.updated_at,
    )


async def update_org_sso(
    session: AsyncSession, secret_key: bytes, org_id: uuid.UUID, changes: SsoChanges
) -> SsoConfig:
    """An org admin's change (as the app role: it may update these columns, not the domains)."""
    config = await session.get(SsoConfig, org_id, with_for_update=True)
    if config is None:
        raise SsoUpdateRefused(
            "Single sign-on is not set up for this organisation: the operator sets it up first."
        )
    if changes.issuer is not None:
        try:
            config.issuer = check_issuer_url(changes.issuer.strip())
        except ValueError as exc:
            raise SsoUpdateRefused(f"Issuer: {exc}.") from None
    client_id = config.client_id
    if changes.client_id is not None:
        client_id = changes.client_id.strip()
        if not client_id:
            raise SsoUpdateRefused("The client ID is empty.")
    if changes.client_secret is not None:
        if not changes.client_secret.strip():
            raise SsoUpdateRefused("The client secret is empty.")
        config.client_secret = seal(secret_key, org_id, client_id, changes.client_secret.strip())
    elif client_id != config.client_id:  # the stored secret is bound to the old client ID
        raise SsoUpdateRefused("A new client ID needs its client secret too.")
    config.client_id = client_id
    if changes.default_role is not None:
        if changes.default_role not in ("admin", "member"):
            raise SsoUpdateRefused("The default role is admin or member.")
        config.default_role = changes.default_role
    if changes.jit_provisioning is not None:
        config.jit_provisioning = changes.jit_provisioning
    if changes.local_passwords_disabled is not None:
        config.local_passwords_disabled = changes.local_passwords_disabled
    await session.flush()
    await session.refresh(config)
    return config
