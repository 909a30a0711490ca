"""Indexes that serve the default sort of each list, so a page of 25 reads 25 index entries.

The lists sort newest-first with NULLs last (``opened_at DESC NULLS LAST, id``); an ascending
index scanned backwards gives NULLS FIRST and cannot serve that order, so PostgreSQL sorted the
org's whole table for every page (a top-N heapsort over 120k tickets or 1.3M activities at the
large preset). Each index leads with ``org_id`` and ends with ``id``, the keyset tie-breaker.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 18:30:00
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: (index name, table, key columns after org_id).
INDEXES = (
    ("ix_tickets_org_id_opened_at_desc", "tickets", "opened_at DESC NULLS LAST, id"),
    ("ix_activities_org_id_occurred_at_desc", "activities", "occurred_at DESC NULLS LAST, id"),
    ("ix_documents_org_id_occurred_at_desc", "documents", "occurred_at DESC NULLS LAST, id"),
    ("ix_people_org_id_name_id", "people", "name, id"),
    ("ix_opportunities_org_id_close_date_id", "opportunities", "close_date, id"),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.execute(text(f"CREATE INDEX IF NOT EXISTS {name} ON {table} (org_id, {columns})"))
    # Fresh statistics so the planner sees the new indexes on an already loaded database.
    for table in sorted({table for _, table, _ in INDEXES}):
        op.execute(text(f"ANALYZE {table}"))


def downgrade() -> None:
    for name, _, _ in INDEXES:
        op.execute(text(f"DROP INDEX IF EXISTS {name}"))
