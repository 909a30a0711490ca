"""Row-level security on every customer-data table, keyed by the transaction's org.

Each policy admits a row only when its ``org_id`` equals ``current_setting('accountlens.org_id')``
(set per transaction by the app from the caller's principal); with the setting absent or empty
it admits nothing. Identity and auth tables (orgs, users, teams, OAuth clients, codes,
connections, rate-limit buckets, the tool-call audit) are read by sign-in and token checks
before an org is known, so they are scoped by the application alone. See
``accountlens/db/row_security.py`` for the roles that the policies bind.

Revision ID: 0006
Revises: 0005_chunk_embeddings
Create Date: 2026-11-26 20:10:00
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0006"
down_revision = "0005_chunk_embeddings"
branch_labels = None
depends_on = None

#: Frozen here (not imported) so the migration means the same thing forever.
CUSTOMER_TABLES = (
    "accounts",
    "account_team_members",
    "people",
    "opportunities",
    "opportunity_stage_changes",
    "activities",
    "activity_participants",
    "tickets",
    "tasks",
    "task_comments",
    "projects",
    "project_members",
    "custom_object_types",
    "custom_object_instances",
    "groups",
    "group_members",
    "property_definitions",
    "documents",
    "document_participants",
    "document_chunks",
    "chunk_embeddings",
    "usage_account_daily",
    "usage_person_daily",
    "usage_feature_daily",
)

POLICY = "org_isolation"
CURRENT_ORG = "NULLIF(current_setting('accountlens.org_id', true), '')::uuid"


def upgrade() -> None:
    for table in CUSTOMER_TABLES:
        op.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
        op.execute(text(f"CREATE POLICY {POLICY} ON {table} USING (org_id = {CURRENT_ORG})"))


def downgrade() -> None:
    for table in CUSTOMER_TABLES:
        op.execute(text(f"DROP POLICY IF EXISTS {POLICY} ON {table}"))
        op.execute(text(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"))
