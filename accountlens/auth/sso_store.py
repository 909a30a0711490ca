"""Every query of single sign-on: org settings, sign-ins in flight, matching and creating people.

Functions take an ``AsyncSession`` and never commit: the caller owns the transaction. Creating a
user and recording a subject go through the two SECURITY DEFINER functions of migration 0015,
the only way the app role can write ``users`` rows (see :mod:`accountlens.db.grants`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import any_, delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from accountlens.db.models import Org, SsoAttempt, SsoConfig, User


def _now() -> datetime:
    return datetime.now(UTC)


def domain_of(email: str) -> str:
    return email.strip().lower().rpartition("@")[2]


async def config_for_domain(session: AsyncSession, domain: str) -> SsoConfig | None:
    """The SSO settings of the org that claims ``domain`` (``accountlens sso set`` keeps one)."""
    if not domain:
        return None
    statement = select(SsoConfig).where(literal(domain) == any_(SsoConfig.allowed_domains)).limit(1)
    return await session.scalar(statement)


async def config_of(session: AsyncSession, org_id: uuid.UUID) -> SsoConfig | None:
    return await session.get(SsoConfig, org_id)


async def password_free_orgs(session: AsyncSession, org_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Those of ``org_ids`` whose people may not sign in with a local password."""
    if not org_ids:
        return set()
    rows = await session.scalars(
        select(SsoConfig.org_id).where(
            SsoConfig.org_id.in_(org_ids), SsoConfig.local_passwords_disabled.is_(True)
        )
    )
    return set(rows)


async def add_attempt(
    session: AsyncSession,
    org_id: uuid.UUID,
    *,
    state_hash: bytes,
    browser_hash: bytes,
    nonce: str,
    code_verifier: str,
    next_path: str,
    ttl: timedelta,
) -> None:
    # Attempts nobody came back from are dead weight; drop the org's expired ones meanwhile.
    await session.execute(
        delete(SsoAttempt).where(SsoAttempt.org_id == org_id, SsoAttempt.expires_at <= _now())
    )
    session.add(
        SsoAttempt(
            org_id=org_id,
            state_hash=state_hash,
            browser_hash=browser_hash,
            nonce=nonce,
            code_verifier=code_verifier,
            next_path=next_path,
            expires_at=_now() + ttl,
        )
    )
    await session.flush()


async def claim_attempt(
    session: AsyncSession, org_id: uuid.UUID, state_hash: bytes, browser_hash: bytes
) -> SsoAttempt | None:
    """Mark the attempt used, atomically; None when unknown, used, expired or another browser's."""
    result = await session.execute(
        update(SsoAttempt)
        .where(
            SsoAttempt.org_id == org_id,
            SsoAttempt.state_hash == state_hash,
            SsoAttempt.browser_hash == browser_hash,
            SsoAttempt.used_at.is_(None),
            SsoAttempt.expires_at > _now(),
        )
        .values(used_at=_now())
        .returning(SsoAttempt)
    )
    return result.scalar_one_or_none()


async def users_by_subject(session: AsyncSession, org_id: uuid.UUID, subject: str) -> list[User]:
    statement = select(User).where(User.org_id == org_id, User.sso_subject == subject).limit(2)
    return list(await session.scalars(statement))


async def user_by_email(session: AsyncSession, org_id: uuid.UUID, email: str) -> User | None:
    return await session.scalar(
        select(User).where(User.org_id == org_id, func.lower(User.email) == email)
    )


async def provision(
    session: AsyncSession, org_id: uuid.UUID, email: str, name: str, subject: str
) -> uuid.UUID | None:
    """A new user as the org's JIT settings allow (default role); None when they do not."""
    made = await session.scalar(select(func.sso_provision_user(org_id, email, name, subject)))
    return uuid.UUID(str(made)) if made is not None else None


async def link(session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID, subject: str) -> bool:
    """Record the provider subject on a user who has none yet; False when not allowed."""
    return bool(await session.scalar(select(func.sso_link_user(org_id, user_id, subject))))


async def org_name(session: AsyncSession, org_id: uuid.UUID) -> str:
    return str(await session.scalar(select(Org.name).where(Org.id == org_id)) or "")
