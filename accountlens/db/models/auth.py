"""OAuth clients, authorization codes, connections (one per authorization), rate-limit buckets
and signed-in browser sessions.

Two of these tables hold rows that belong to no org: OAuth clients (registered before anyone
signs in) and rate-limit buckets (keyed by IP address or e-mail before we know the org). They
still carry ``org_id`` and lead every key with it, with the value :data:`GLOBAL_ORG_ID` (the nil
UUID) and no foreign key, so the "every key leads with org_id" rule holds without exception. On
Citus OAuth clients are a reference table (a copy on every node) and rate-limit buckets are
distributed by ``bucket`` (see :mod:`accountlens.db.citus`).

Secrets are never stored: authorization codes and access tokens keep only a salted HMAC of their
secret part (see :mod:`accountlens.auth.tokens`), web sessions an HMAC of their id.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from accountlens.db.models.base import Base, OrgScoped, org_fk

GLOBAL_ORG_ID = uuid.UUID(int=0)
"""The ``org_id`` of rows that belong to no org (OAuth clients, rate-limit buckets)."""


class OAuthClient(Base):
    """A client registered through RFC 7591 dynamic registration. Global: see the module doc."""

    __tablename__ = "oauth_clients"
    __table_args__ = (
        Index(
            "uq_oauth_clients_org_id_fingerprint",
            "org_id",
            "fingerprint",
            unique=True,
            postgresql_where=text("fingerprint IS NOT NULL"),
        ),
        Index(
            "ix_oauth_clients_org_id_unused",
            "org_id",
            "last_registered_at",
            postgresql_where=text("first_token_at IS NULL"),
        ),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=GLOBAL_ORG_ID)
    client_id: Mapped[str] = mapped_column(Text, primary_key=True)
    client_name: Mapped[str] = mapped_column(Text, nullable=False)
    redirect_uris: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    client_uri: Mapped[str | None] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    # Identical registrations share one client; see accountlens/auth/client_registry.py.
    fingerprint: Mapped[str | None] = mapped_column(Text)
    last_registered_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    first_token_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuthorizationCode(OrgScoped):
    """A 5-minute, single-use authorization code; ``connection_id`` is what it was exchanged for."""

    __tablename__ = "oauth_authorization_codes"
    __table_args__ = (org_fk("user_id", "users"),)

    user_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    secret_salt: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    client_id: Mapped[str] = mapped_column(Text, nullable=False)
    client_name: Mapped[str] = mapped_column(Text, nullable=False)
    redirect_uri: Mapped[str] = mapped_column(Text, nullable=False)
    scope: Mapped[str] = mapped_column(Text, nullable=False)
    resource: Mapped[str] = mapped_column(Text, nullable=False)
    code_challenge: Mapped[str] = mapped_column(Text, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    connection_id: Mapped[uuid.UUID | None] = mapped_column()
    # The consent page's choices, handed on to the connection the code is exchanged for.
    narrowed_types: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    exclude_transcripts: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    exclude_kb: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    lifetime_days: Mapped[int | None] = mapped_column(Integer)


class Connection(OrgScoped):
    """One authorization of one client by one user: it holds the access token's salted hash.

    ``kind`` is ``oauth`` for an MCP connection (bound to the MCP resource) or ``service`` for
    an internal app's token an admin created (bound to ``/graphql``; ``user_id`` is that admin).
    ``narrowed_types`` (NULL: every type) and the two ``exclude_*`` flags are the consent
    page's narrowing (SPEC §6).
    """

    __tablename__ = "connections"
    __table_args__ = (
        org_fk("user_id", "users"),
        Index(None, "org_id", "user_id"),
        CheckConstraint("expires_at > created_at", name="expiry"),
        CheckConstraint("kind IN ('oauth', 'service')", name="kind"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    client_id: Mapped[str] = mapped_column(Text, nullable=False)
    client_name: Mapped[str] = mapped_column(Text, nullable=False)
    redirect_host: Mapped[str] = mapped_column(Text, nullable=False)
    scope: Mapped[str] = mapped_column(Text, nullable=False)
    resource: Mapped[str] = mapped_column(Text, nullable=False)
    token_salt: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[uuid.UUID | None] = mapped_column()
    kind: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'oauth'"))
    narrowed_types: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    exclude_transcripts: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    exclude_kb: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))


class RateLimitBucket(Base):
    """Hits of one limiter key in one fixed window. Global: see the module doc."""

    __tablename__ = "rate_limit_buckets"

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=GLOBAL_ORG_ID)
    bucket: Mapped[str] = mapped_column(Text, primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, nullable=False)


class WebSession(Base):
    """A signed-in browser session. Deleting the row signs the browser out, on every replica.

    Keyed by ``HMAC(secret key, session id)``: the id itself exists only in the cookie, so a
    database dump cannot be replayed as a cookie (see :mod:`accountlens.auth.sessions`).
    """

    __tablename__ = "web_sessions"
    __table_args__ = (
        org_fk("user_id", "users"),
        Index(None, "org_id", "user_id"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True
    )
    id_hash: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class AccountLink(Base):
    """A single-use, expiring invite or password-reset link; redeeming deletes the row.

    Keyed like web sessions by ``HMAC(secret key, link secret)``: the secret is only in the link.
    """

    __tablename__ = "account_links"
    __table_args__ = (
        org_fk("user_id", "users"),
        Index(None, "org_id", "user_id"),
        CheckConstraint("purpose IN ('invite', 'reset')", name="purpose"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True
    )
    id_hash: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    purpose: Mapped[str] = mapped_column(Text, nullable=False)
    created_by: Mapped[uuid.UUID | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


__all__ = [
    "GLOBAL_ORG_ID",
    "AccountLink",
    "AuthorizationCode",
    "Connection",
    "OAuthClient",
    "RateLimitBucket",
    "WebSession",
]
