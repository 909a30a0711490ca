"""Accounts and what hangs off them: people, opportunities, activities, tickets."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Index,
    Integer,
    Numeric,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from accountlens.db.models.base import Base, Record, org_fk, prefix_index, trigram_index


class Account(Record):
    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        org_fk("owner_id", "users", nullable=True),
        org_fk("team_id", "teams", nullable=True),
        CheckConstraint("health_trend IN ('up', 'flat', 'down')", name="health_trend"),
        CheckConstraint("health_score BETWEEN 0 AND 100", name="health_score"),
        Index(None, "org_id", "owner_id"),
        Index(None, "org_id", "team_id"),
        Index(None, "org_id", "name"),
        Index(None, "org_id", "renewal_date"),
        Index(None, "org_id", "arr_amount"),
        trigram_index("accounts", "name"),
        prefix_index("accounts", "name"),
        trigram_index("accounts", "domain"),
    )

    name: Mapped[str] = mapped_column(Text, nullable=False)
    domain: Mapped[str | None] = mapped_column(Text)
    industry: Mapped[str | None] = mapped_column(Text)
    employees: Mapped[int | None] = mapped_column(Integer)
    arr_amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    arr_currency: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'USD'"))
    lifecycle_stage: Mapped[str | None] = mapped_column(Text)
    health_score: Mapped[int | None] = mapped_column(Integer)
    health_trend: Mapped[str | None] = mapped_column(Text)
    renewal_date: Mapped[date | None] = mapped_column(Date)
    licensed_seats: Mapped[int | None] = mapped_column(Integer)
    owner_id: Mapped[uuid.UUID | None] = mapped_column()
    team_id: Mapped[uuid.UUID | None] = mapped_column()


class AccountTeamMember(Base):
    """A user on an account's account team (CSM, AE, SE …)."""

    __tablename__ = "account_team_members"
    __table_args__ = (
        org_fk("account_id", "accounts"),
        org_fk("user_id", "users"),
        Index(None, "org_id", "user_id"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    role: Mapped[str | None] = mapped_column(Text)


class Person(Record):
    """A customer-side contact at an account."""

    __tablename__ = "people"
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        org_fk("account_id", "accounts"),
        Index(None, "org_id", "account_id"),
        Index(None, "org_id", "email"),
        Index("ix_people_org_id_name_id", "org_id", "name", "id"),
        trigram_index("people", "name"),
        prefix_index("people", "name"),
        trigram_index("people", "email"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    email: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    persona: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    last_contacted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Opportunity(Record):
    __tablename__ = "opportunities"
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        org_fk("account_id", "accounts"),
        org_fk("owner_id", "users", nullable=True),
        CheckConstraint("stage_category IN ('open', 'won', 'lost')", name="stage_category"),
        CheckConstraint("type IN ('new', 'renewal', 'expansion')", name="type"),
        CheckConstraint("probability BETWEEN 0 AND 100", name="probability"),
        Index(None, "org_id", "account_id"),
        Index(None, "org_id", "stage_category", "close_date"),
        Index("ix_opportunities_org_id_close_date_id", "org_id", "close_date", "id"),
        Index(None, "org_id", "owner_id"),
        trigram_index("opportunities", "name"),
        prefix_index("opportunities", "name"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    type: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'new'"))
    stage: Mapped[str] = mapped_column(Text, nullable=False)
    stage_category: Mapped[str] = mapped_column(Text, nullable=False)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    currency: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'USD'"))
    close_date: Mapped[date | None] = mapped_column(Date)
    probability: Mapped[int | None] = mapped_column(Integer)
    owner_id: Mapped[uuid.UUID | None] = mapped_column()


class OpportunityStageChange(Record):
    """One move of an opportunity between stages (feeds the account timeline)."""

    __tablename__ = "opportunity_stage_changes"
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        org_fk("opportunity_id", "opportunities"),
        org_fk("account_id", "accounts"),
        org_fk("changed_by_id", "users", nullable=True),
        Index(None, "org_id", "account_id", "changed_at"),
        Index(None, "org_id", "opportunity_id", "changed_at"),
    )

    opportunity_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    account_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    from_stage: Mapped[str | None] = mapped_column(Text)
    to_stage: Mapped[str] = mapped_column(Text, nullable=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column()


class Activity(Record):
    __tablename__ = "activities"
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        org_fk("account_id", "accounts"),
        org_fk("user_id", "users", nullable=True),
        CheckConstraint("kind IN ('email', 'call', 'meeting', 'note')", name="kind"),
        Index(None, "org_id", "account_id", "occurred_at"),
        Index(None, "org_id", "occurred_at"),
        Index(
            "ix_activities_org_id_occurred_at_desc",
            "org_id",
            text("occurred_at DESC NULLS LAST"),
            "id",
        ),
        Index(None, "org_id", "user_id"),
        trigram_index("activities", "subject"),
        prefix_index("activities", "subject"),
    )

    kind: Mapped[str] = mapped_column(Text, nullable=False)
    subject: Mapped[str] = mapped_column(Text, nullable=False)
    body: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    account_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    user_id: Mapped[uuid.UUID | None] = mapped_column()


class ActivityParticipant(Base):
    """A customer contact involved in an activity."""

    __tablename__ = "activity_participants"
    __table_args__ = (
        org_fk("activity_id", "activities"),
        org_fk("person_id", "people"),
        Index(None, "org_id", "person_id"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    activity_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class Ticket(Record):
    """A support ticket."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        org_fk("account_id", "accounts"),
        org_fk("requester_id", "people", nullable=True),
        CheckConstraint(
            "status IN ('new', 'open', 'pending', 'on_hold', 'solved', 'closed')", name="status"
        ),
        CheckConstraint("priority IN ('low', 'normal', 'high', 'urgent')", name="priority"),
        Index(None, "org_id", "account_id", "opened_at"),
        Index(None, "org_id", "status", "opened_at"),
        Index(
            "ix_tickets_org_id_opened_at_desc", "org_id", text("opened_at DESC NULLS LAST"), "id"
        ),
        trigram_index("tickets", "subject"),
        prefix_index("tickets", "subject"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    requester_id: Mapped[uuid.UUID | None] = mapped_column()
    subject: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    priority: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'normal'"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
