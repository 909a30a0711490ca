"""Internal work: tasks with their comment threads, and projects."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from accountlens.db.models.base import Base, Record, org_fk, prefix_index, trigram_index


class Task(Record):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        org_fk("account_id", "accounts", nullable=True),
        org_fk("assignee_id", "users", nullable=True),
        org_fk("creator_id", "users", nullable=True),
        CheckConstraint("status IN ('open', 'in_progress', 'done', 'cancelled')", name="status"),
        CheckConstraint("priority IN ('low', 'medium', 'high', 'urgent')", name="priority"),
        Index(None, "org_id", "account_id"),
        Index(None, "org_id", "assignee_id"),
        Index(None, "org_id", "creator_id"),
        Index(None, "org_id", "due_date"),
        trigram_index("tasks", "title"),
        prefix_index("tasks", "title"),
    )

    title: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    priority: Mapped[str] = mapped_column(Text, nullable=False)
    due_date: Mapped[date | None] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    account_id: Mapped[uuid.UUID | None] = mapped_column()
    assignee_id: Mapped[uuid.UUID | None] = mapped_column()
    creator_id: Mapped[uuid.UUID | None] = mapped_column()


class TaskComment(Record):
    __tablename__ = "task_comments"
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        org_fk("task_id", "tasks"),
        org_fk("author_id", "users", nullable=True),
        Index(None, "org_id", "task_id", "posted_at"),
    )

    task_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    author_id: Mapped[uuid.UUID | None] = mapped_column()
    body: Mapped[str] = mapped_column(Text, nullable=False)
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Project(Record):
    """Onboarding, implementation and similar projects, optionally tied to an account."""

    __tablename__ = "projects"
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        org_fk("account_id", "accounts", nullable=True),
        org_fk("owner_id", "users", nullable=True),
        CheckConstraint(
            "status IN ('planned', 'active', 'on_hold', 'completed', 'cancelled')", name="status"
        ),
        Index(None, "org_id", "account_id"),
        Index(None, "org_id", "owner_id"),
        trigram_index("projects", "name"),
        prefix_index("projects", "name"),
    )

    name: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    account_id: Mapped[uuid.UUID | None] = mapped_column()
    owner_id: Mapped[uuid.UUID | None] = mapped_column()


class ProjectMember(Base):
    __tablename__ = "project_members"
    __table_args__ = (
        org_fk("project_id", "projects"),
        org_fk("user_id", "users"),
        Index(None, "org_id", "user_id"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    project_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
