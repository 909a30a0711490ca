"""Invite and password-reset links: single-use, expiring, and stored only as an HMAC.

A link reads ``/account/set-password?t=<org id>.<secret>``. The org id routes the lookup
(every key leads with ``org_id``); the secret is 32 random bytes and exists only in the link:
the table keeps ``HMAC(secret key, secret)``. There is no mail server, so the admin who made
the link is shown it once, to hand over (or an operator prints one with ``accountlens users
reset-link``). Redeeming deletes the row in the same transaction that sets the password, so
a link works once; a new link for the same person replaces any earlier one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from accountlens.auth import web_sessions
from accountlens.auth.password_policy import check_password
from accountlens.auth.passwords import hash_password
from accountlens.auth.visibility import account_row, presented_link, user_links
from accountlens.db.models import AccountLink, AdminAction, User

Purpose = Literal["invite", "reset"]
LINK_PATH = "/account/set-password"


class LinkRefused(Exception):  # noqa: N818 - an outcome; the message is user-facing
    """The link is unknown, used or expired, or the password breaks the policy."""


@dataclass(frozen=True, slots=True)
class PresentedLink:
    org_id: uuid.UUID
    secret: str


def _digest(secret_key: bytes, secret: str) -> bytes:
    return hmac.new(secret_key, b"account-link\x00" + secret.encode(), hashlib.sha256).digest()


def parse(token: str) -> PresentedLink | None:
    org_hex, _, secret = token.strip().partition(".")
    if not secret or len(secret) > 100 or len(org_hex) != 32:
        return None
    try:
        return PresentedLink(uuid.UUID(hex=org_hex), secret)
    except ValueError:
        return None


def url_of(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{LINK_PATH}?t={token}"


async def purpose_for(session: AsyncSession, user: User) -> Purpose:
    """``invite`` for a person who never set a password, else ``reset``.

    The hash is asked about in SQL (``IS NOT NULL``): it is never loaded into the process.
    """
    has_password = await session.scalar(
        select(User.password_hash.is_not(None)).where(account_row(user.org_id, user.id))
    )
    return "reset" if has_password else "invite"


async def issue(
    session: AsyncSession,
    secret_key: bytes,
    user: User,
    purpose: Purpose,
    ttl: timedelta,
    created_by: uuid.UUID | None,
) -> str:
    """A new link for ``user`` (earlier ones stop working); returns the token for the URL."""
    await session.execute(delete(AccountLink).where(user_links(user.org_id, user.id)))
    secret = secrets.token_urlsafe(32)
    session.add(
        AccountLink(
            org_id=user.org_id,
            id_hash=_digest(secret_key, secret),
            user_id=user.id,
            purpose=purpose,
            created_by=created_by,
            expires_at=datetime.now(UTC) + ttl,
        )
    )
    await session.flush()
    return f"{user.org_id.hex}.{secret}"


async def pending(session: AsyncSession, secret_key: bytes, token: str) -> tuple[User, str] | None:
    """The active user and purpose of a live link, without using it up (the form's GET)."""
    link = parse(token)
    if link is None:
        return None
    row = (
        await session.execute(
            select(User, AccountLink.purpose)
            .join(
                AccountLink,
                (AccountLink.org_id == User.org_id) & (AccountLink.user_id == User.id),
            )
            .where(
                presented_link(link.org_id, _digest(secret_key, link.secret)),
                AccountLink.expires_at > datetime.now(UTC),
                User.is_active.is_(True),
            )
        )
    ).first()
    return (row[0], row[1]) if row else None


async def redeem(session: AsyncSession, secret_key: bytes, token: str, password: str) -> User:
    """Set the password of a live link's user, use the link up, end the user's sessions.

    The policy is checked before anything is written, so a refused password leaves the link
    usable. Raises :class:`LinkRefused`; the caller commits.
    """
    found = await pending(session, secret_key, token)
    if found is None:
        raise LinkRefused("This link is not valid any more. Ask your admin for a new one.")
    check_password(password)  # PasswordRejected, before the link is used up
    user, purpose = found
    link = parse(token)
    assert link is not None
    used = await session.execute(
        delete(AccountLink)
        .where(presented_link(link.org_id, _digest(secret_key, link.secret)))
        .returning(AccountLink.user_id)
    )
    if used.first() is None:  # redeemed by a concurrent request a moment ago
        raise LinkRefused("This link is not valid any more. Ask your admin for a new one.")
    user.password_hash = hash_password(password)
    await web_sessions.end_all(session, user.org_id, user.id)
    session.add(
        AdminAction(
            org_id=user.org_id,
            actor_id=user.id,
            actor_email=user.email,
            action="invite.accepted" if purpose == "invite" else "password.reset_by_link",
            target=user.email,
            details={},
        )
    )
    await session.flush()
    return user
