"""Single sign-on: each org's OpenID Connect provider, and sign-ins on their way through it.

Both are auth tables (read before any customer data, like ``web_sessions``), so they are not
under row-level security; their keys lead with ``org_id`` like every other table.

``sso_configs.client_secret`` holds the client secret encrypted (AES-GCM, see
:mod:`accountlens.auth.sso_secrets`), never in clear. ``sso_attempts`` rows are keyed by an
HMAC of the ``state`` sent to the provider and bound to the browser that started them; each is
claimed at most once (``used_at``), which makes ``state`` and ``nonce`` single-use.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    LargeBinary,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from accountlens.db.models.base import Base


class SsoConfig(Base):
    """One org's OpenID provider and its sign-in rules."""

    __tablename__ = "sso_configs"
    __table_args__ = (CheckConstraint("default_role IN ('admin', 'member')", name="role"),)

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True
    )
    issuer: Mapped[str] = mapped_column(Text, nullable=False)
    client_id: Mapped[str] = mapped_column(Text, nullable=False)
    client_secret: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    allowed_domains: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)
    jit_provisioning: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    default_role: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'member'"))
    local_passwords_disabled: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


class SsoAttempt(Base):
    """A sign-in sent to the org's provider and not yet back (or back once: ``used_at``)."""

    __tablename__ = "sso_attempts"

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True
    )
    state_hash: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    browser_hash: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    nonce: Mapped[str] = mapped_column(Text, nullable=False)
    code_verifier: Mapped[str] = mapped_column(Text, nullable=False)
    next_path: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


__all__ = ["SsoAttempt", "SsoConfig"]
