"""Every query of the auth package except the connection-visibility rule (see connections.py).

Functions take an ``AsyncSession`` and never commit: the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from accountlens.auth.api import RegisteredClient
from accountlens.auth.oauth_server import StoredCode, StoredToken
from accountlens.auth.options import RateLimit
from accountlens.auth.principal import Principal, Role
from accountlens.db.models import (
    GLOBAL_ORG_ID,
    AuthorizationCode,
    Connection,
    OAuthClient,
    Org,
    RateLimitBucket,
    User,
)


def now() -> datetime:
    return datetime.now(UTC)


def principal_of(
    user: User, connection: Connection | None = None, org: Org | None = None
) -> Principal:
    role: Role = "admin" if user.role == "admin" else "member"
    return Principal(
        user_id=user.id,
        org_id=user.org_id,
        role=role,
        email=user.email,
        name=user.name,
        connection_id=connection.id if connection else None,
        client_id=connection.client_id if connection else None,
        org_name=org.name if org else "",
    )


async def active_user(session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID) -> User | None:
    user = await session.get(User, (org_id, user_id))
    return user if user is not None and user.is_active else None


async def user_in_org(session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID) -> User | None:
    """The user, active or not, when they belong to ``org_id``."""
    return await session.get(User, (org_id, user_id))


async def active_user_in_org(
    session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[User, Org] | None:
    """The active user and their org, for pages that name both."""
    row = (
        await session.execute(
            select(User, Org)
            .join(Org, Org.id == User.org_id)
            .where(User.org_id == org_id, User.id == user_id, User.is_active.is_(True))
        )
    ).first()
    return (row[0], row[1]) if row else None


@dataclass(frozen=True, slots=True)
class PasswordSalt:
    """One account's stored password hash without its digest (``passwords.candidate_hash``)."""

    org_id: uuid.UUID
    user_id: uuid.UUID
    salted: str
    digest_length: int


async def password_salts(session: AsyncSession, email: str) -> list[PasswordSalt]:
    """Active accounts with this e-mail and a password, in any org, oldest first.

    Through the SECURITY DEFINER function of migration 0020: the app role cannot read hashes.
    """
    found = await session.execute(
        text("SELECT * FROM accountlens_password_salts(:email)"), {"email": email.strip().lower()}
    )
    return [PasswordSalt(*row) for row in found.all()]


async def password_matches(
    session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID, candidate: str
) -> bool:
    """The database's verdict: is ``candidate`` the active user's stored hash?"""
    verdict = await session.scalar(
        text("SELECT accountlens_password_matches(:org, :user, :candidate)"),
        {"org": org_id, "user": user_id, "candidate": candidate},
    )
    return bool(verdict)


async def replace_password_hash(
    session: AsyncSession, org_id: uuid.UUID, user_id: uuid.UUID, current: str, new_hash: str
) -> bool:
    """Store ``new_hash`` when ``current`` is the stored hash; False (nothing changed) if not."""
    replaced = await session.scalar(
        text("SELECT accountlens_replace_password_hash(:org, :user, :current, :new)"),
        {"org": org_id, "user": user_id, "current": current, "new": new_hash},
    )
    return bool(replaced)


# Clients -----------------------------------------------------------------------------------


def _client_of(row: OAuthClient) -> RegisteredClient:
    return RegisteredClient(
        client_id=row.client_id,
        client_name=row.client_name,
        redirect_uris=tuple(row.redirect_uris),
        scope=row.scope,
        client_uri=row.client_uri,
    )


async def registered_client(session: AsyncSession, client_id: str) -> RegisteredClient | None:
    row = await session.get(OAuthClient, (GLOBAL_ORG_ID, client_id))
    return None if row is None else _client_of(row)


async def reregister_client(
    session: AsyncSession, fingerprint: str
) -> tuple[RegisteredClient, datetime] | None:
    """The client an identical registration created, marked registered again (so not collected)."""
    row = (
        await session.execute(
            update(OAuthClient)
            .where(OAuthClient.org_id == GLOBAL_ORG_ID, OAuthClient.fingerprint == fingerprint)
            .values(last_registered_at=now())
            .returning(OAuthClient)
        )
    ).scalar_one_or_none()
    return None if row is None else (_client_of(row), row.created_at)


async def add_client(
    session: AsyncSession, client: RegisteredClient, fingerprint: str | None = None
) -> tuple[RegisteredClient, datetime]:
    """Store a new client; if an identical registration won a race, that client instead."""
    statement = (
        insert(OAuthClient)
        .values(
            org_id=GLOBAL_ORG_ID,
            client_id=client.client_id,
            client_name=client.client_name,
            redirect_uris=list(client.redirect_uris),
            client_uri=client.client_uri,
            scope=client.scope,
            fingerprint=fingerprint,
        )
        .on_conflict_do_update(
            index_elements=["org_id", "fingerprint"],
            index_where=OAuthClient.fingerprint.is_not(None),
            set_={"last_registered_at": now()},
        )
        .returning(OAuthClient)
    )
    row = (await session.execute(statement)).scalar_one()
    return _client_of(row), row.created_at


async def delete_unused_clients(session: AsyncSession, older_than: datetime, batch: int) -> int:
    """Delete up to ``batch`` clients that never got a token and were last registered before
    ``older_than``; returns how many."""
    stale = (
        select(OAuthClient.client_id)
        .where(
            OAuthClient.org_id == GLOBAL_ORG_ID,
            OAuthClient.first_token_at.is_(None),
            OAuthClient.last_registered_at < older_than,
        )
        .limit(batch)
    )
    result = await session.execute(
        delete(OAuthClient)
        .where(OAuthClient.org_id == GLOBAL_ORG_ID, OAuthClient.client_id.in_(stale))
        .returning(OAuthClient.client_id)
    )
    return len(result.all())


async def mark_client_used(session: AsyncSession, client_id: str) -> None:
    """Record a client's first token: a used client is never garbage-collected."""
    await session.execute(
        update(OAuthClient)
        .where(
            OAuthClient.org_id == GLOBAL_ORG_ID,
            OAuthClient.client_id == client_id,
            OAuthClient.first_token_at.is_(None),
        )
        .values(first_token_at=now())
    )


# Authorization codes -----------------------------------------------------------------------


async def code_row(
    session: AsyncSession, org_id: uuid.UUID, code_id: uuid.UUID
) -> AuthorizationCode | None:
    return await session.get(AuthorizationCode, (org_id, code_id))


def stored_code(row: AuthorizationCode) -> StoredCode:
    return StoredCode(
        org_id=row.org_id,
        id=row.id,
        user_id=row.user_id,
        client_id=row.client_id,
        client_name=row.client_name,
        redirect_uri=row.redirect_uri,
        scope=row.scope,
        resource=row.resource,
        code_challenge=row.code_challenge,
        expires_at=row.expires_at,
    )


async def claim_code(session: AsyncSession, code: StoredCode, connection_id: uuid.UUID) -> bool:
    """Mark a code used, atomically; False when another request used it first."""
    result = await session.execute(
        update(AuthorizationCode)
        .where(
            AuthorizationCode.org_id == code.org_id,
            AuthorizationCode.id == code.id,
            AuthorizationCode.used_at.is_(None),
        )
        .values(used_at=now(), connection_id=connection_id)
        .returning(AuthorizationCode.id)
    )
    return result.first() is not None


# Connections (tokens) ----------------------------------------------------------------------


async def connection_row(
    session: AsyncSession, org_id: uuid.UUID, connection_id: uuid.UUID
) -> Connection | None:
    return await session.get(Connection, (org_id, connection_id))


def stored_token(row: Connection) -> StoredToken:
    return StoredToken(org_id=row.org_id, id=row.id, client_id=row.client_id)


async def revoke(
    session: AsyncSession,
    org_id: uuid.UUID,
    connection_id: uuid.UUID,
    by: uuid.UUID | None = None,
) -> bool:
    """Revoke a live connection; False when it was already revoked or does not exist."""
    result = await session.execute(
        update(Connection)
        .where(
            Connection.org_id == org_id,
            Connection.id == connection_id,
            Connection.revoked_at.is_(None),
        )
        .values(revoked_at=now(), revoked_by=by)
        .returning(Connection.id)
    )
    return result.first() is not None


# Rate limits -------------------------------------------------------------------------------


def limiter_key(kind: str, value: str) -> str:
    """Bucket names hash what they count (addresses, e-mails): no personal data at rest."""
    return f"{kind}:{hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]}"


async def take(session: AsyncSession, bucket: str, rule: RateLimit) -> int | None:
    """Count one hit if the window has room: None when counted, else seconds until it frees.

    A refused hit is not counted, so hammering a full bucket does not push its end further.
    """
    start, remaining = rule.current_window()
    statement = (
        insert(RateLimitBucket)
        .values(org_id=GLOBAL_ORG_ID, bucket=bucket, window_start=start, hits=1)
        .on_conflict_do_update(
            index_elements=["org_id", "bucket", "window_start"],
            set_={"hits": RateLimitBucket.hits + 1},
            where=RateLimitBucket.hits < rule.limit,
        )
        .returning(RateLimitBucket.hits)
    )
    hits = (await session.execute(statement)).scalar_one_or_none()
    if hits is None:
        return remaining
    if hits == 1:
        # Old windows of this bucket are dead weight; drop them while we are here.
        await session.execute(
            delete(RateLimitBucket).where(
                RateLimitBucket.org_id == GLOBAL_ORG_ID,
                RateLimitBucket.bucket == bucket,
                RateLimitBucket.window_start < start,
            )
        )
    return None


async def wait_for(session: AsyncSession, bucket: str, rule: RateLimit) -> int | None:
    """Without counting: None while the window has room, else seconds until it frees."""
    start, remaining = rule.current_window()
    hits = await session.scalar(
        select(RateLimitBucket.hits).where(
            RateLimitBucket.org_id == GLOBAL_ORG_ID,
            RateLimitBucket.bucket == bucket,
            RateLimitBucket.window_start == start,
        )
    )
    return remaining if hits is not None and hits >= rule.limit else None
