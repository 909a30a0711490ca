"""Every query of the auth package except the connection-visibility rule (see connections.py).

Functions take an ``AsyncSession`` and never commit: the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update
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


async def users_by_email(session: AsyncSession, email: str) -> list[User]:
    """Active users with this e-mail in any org (e-mail is unique per org only)."""
    statement = (
        select(User)
        .where(func.lower(User.email) == email.strip().lower(), User.is_active.is_(True))
        .order_by(User.created_at)
    )
    return list(await session.scalars(statement))


# Clients -----------------------------------------------------------------------------------


async def registered_client(session: AsyncSession, client_id: str) -> RegisteredClient | None:
    row = await session.get(OAuthClient, (GLOBAL_ORG_ID, client_id))
    if row is None:
        return None
    return RegisteredClient(
        client_id=row.client_id,
        client_name=row.client_name,
        redirect_uris=tuple(row.redirect_uris),
        scope=row.scope,
        client_uri=row.client_uri,
    )


async def add_client(session: AsyncSession, client: RegisteredClient) -> None:
    session.add(
        OAuthClient(
            org_id=GLOBAL_ORG_ID,
            client_id=client.client_id,
            client_name=client.client_name,
            redirect_uris=list(client.redirect_uris),
            client_uri=client.client_uri,
            scope=client.scope,
        )
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


async def hit(session: AsyncSession, bucket: str, rule: RateLimit) -> bool:
    """Count one hit in the current fixed window; False once the limit is exceeded."""
    moment = now()
    seconds = int(rule.window.total_seconds())
    start = datetime.fromtimestamp(int(moment.timestamp()) // seconds * seconds, UTC)
    statement = (
        insert(RateLimitBucket)
        .values(org_id=GLOBAL_ORG_ID, bucket=bucket, window_start=start, hits=1)
        .on_conflict_do_update(
            index_elements=["org_id", "bucket", "window_start"],
            set_={"hits": RateLimitBucket.hits + 1},
        )
        .returning(RateLimitBucket.hits)
    )
    hits = int((await session.execute(statement)).scalar_one())
    if hits == 1:
        # Old windows of this bucket are dead weight; drop them while we are here.
        await session.execute(
            delete(RateLimitBucket).where(
                RateLimitBucket.org_id == GLOBAL_ORG_ID,
                RateLimitBucket.bucket == bucket,
                RateLimitBucket.window_start < start,
            )
        )
    return hits <= rule.limit
