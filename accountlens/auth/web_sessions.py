"""Every query of ``web_sessions``: start, look up, end one, end all of a user's.

Rows are found by ``(org_id, HMAC(secret key, session id))`` (see :mod:`accountlens.auth.sessions`)
and always on the primary: a session ended a moment ago must be refused by every replica. The
org is known before every statement here (the cookie names it), so the table is under row-level
security (migration 0020) and each function binds its transaction to that org first.
Functions take an ``AsyncSession`` and never commit: the caller owns the transaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from accountlens.auth.sessions import new_session_id, session_id_hash
from accountlens.db.models import Org, User, WebSession
from accountlens.db.row_security import bind_org


def _now() -> datetime:
    return datetime.now(UTC)


async def _bind(session: AsyncSession, org_id: uuid.UUID) -> None:
    """Scope the transaction to ``org_id``: the policy admits only that org's sessions."""
    await bind_org(await session.connection(), org_id)


async def start(
    session: AsyncSession,
    secret_key: bytes,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    ttl: timedelta,
) -> str:
    """A new session for the user; returns its id (for the cookie only, never stored)."""
    await _bind(session, org_id)
    # The user's expired sessions are dead weight; drop them while we are here.
    await session.execute(
        delete(WebSession).where(
            WebSession.org_id == org_id,
            WebSession.user_id == user_id,
            WebSession.expires_at <= _now(),
        )
    )
    session_id = new_session_id()
    session.add(
        WebSession(
            org_id=org_id,
            id_hash=session_id_hash(secret_key, session_id),
            user_id=user_id,
            expires_at=_now() + ttl,
        )
    )
    await session.flush()
    return session_id


async def signed_in_user(
    session: AsyncSession, secret_key: bytes, org_id: uuid.UUID, session_id: str
) -> tuple[User, Org] | None:
    """The active user (and org) of a live session; None when ended, expired or disabled."""
    await _bind(session, org_id)
    row = (
        await session.execute(
            select(User, Org)
            .join(
                WebSession,
                (WebSession.org_id == User.org_id) & (WebSession.user_id == User.id),
            )
            .join(Org, Org.id == User.org_id)
            .where(
                WebSession.org_id == org_id,
                WebSession.id_hash == session_id_hash(secret_key, session_id),
                WebSession.expires_at > _now(),
                User.is_active.is_(True),
            )
        )
    ).first()
    return (row[0], row[1]) if row else None


async def end(session: AsyncSession, secret_key: bytes, org_id: uuid.UUID, session_id: str) -> None:
    """End one session (sign-out). Ending one that is already gone is not an error."""
    await _bind(session, org_id)
    await session.execute(
        delete(WebSession).where(
            WebSession.org_id == org_id,
            WebSession.id_hash == session_id_hash(secret_key, session_id),
        )
    )


async def end_all(
    session: AsyncSession,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    *,
    keep: bytes | None = None,
) -> int:
    """End every session of a user, except the one whose hash is ``keep``; returns how many."""
    await _bind(session, org_id)
    statement = delete(WebSession).where(WebSession.org_id == org_id, WebSession.user_id == user_id)
    if keep is not None:
        statement = statement.where(WebSession.id_hash != keep)
    result = await session.execute(statement.returning(WebSession.id_hash))
    return len(result.all())
