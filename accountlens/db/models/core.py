"""Orgs (workspaces), users and teams."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from accountlens.db.models.base import Base, OrgScoped, Record, org_fk, prefix_index, trigram_index


class Org(Base):
    """A workspace. Its ``id`` is the ``org_id`` every other table leads with."""

    __tablename__ = "orgs"
    __table_args__ = (
        CheckConstraint("account_visibility IN ('open', 'restricted')", name="visibility"),
        CheckConstraint(
            "token_lifetime_days IS NULL OR token_lifetime_days BETWEEN 1 AND 3650",
            name="token_lifetime",
        ),
        UniqueConstraint("slug"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    slug: Mapped[str] = mapped_column(Text, nullable=False)
    account_visibility: Mapped[str] = mapped_column(
        Text, nullable=False, server_default=text("'restricted'")
    )
    timezone: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'UTC'"))
    settings: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, default=dict, server_default=text("'{}'::jsonb")
    )
    #: The org's ceiling on a connection's lifetime; null: the deployment's default.
    token_lifetime_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


class User(Record):
    """A person who signs in to AccountLens (not a customer contact)."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("org_id", "email"),
        UniqueConstraint("org_id", "external_id"),
        CheckConstraint("role IN ('admin', 'member')", name="role"),
        trigram_index("users", "name"),
        prefix_index("users", "name"),
        trigram_index("users", "email"),
        # Single sign-on finds people by the provider's subject (accountlens/auth/sso.py).
        Index(None, "org_id", "sso_subject", postgresql_where=text("sso_subject IS NOT NULL")),
    )

    email: Mapped[str] = mapped_column(Text, nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'member'"))
    # The app role may not read it (db/grants.py): never loaded with the row, and reading it
    # without ``undefer`` raises instead of querying. Sign-in goes through auth/passwords.py.
    password_hash: Mapped[str | None] = mapped_column(Text, deferred=True, deferred_raiseload=True)
    sso_subject: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))


class Team(Record):
    __tablename__ = "teams"
    __table_args__ = (
        UniqueConstraint("org_id", "name"),
        UniqueConstraint("org_id", "external_id"),
        trigram_index("teams", "name"),
        prefix_index("teams", "name"),
    )

    name: Mapped[str] = mapped_column(Text, nullable=False)


class TeamMember(Base):
    __tablename__ = "team_members"
    __table_args__ = (
        org_fk("team_id", "teams"),
        org_fk("user_id", "users"),
        Index(None, "org_id", "user_id"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    team_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


__all__ = ["Org", "OrgScoped", "Team", "TeamMember", "User"]
