"""When each data source of an org was last imported (``whoami`` reports it).

One row per (org, source): ``source`` is what the importer loaded (``jsonl``, ``salesforce``,
``hubspot``, ``demo`` …) and ``last_imported_at`` when its last run finished. The importer (run
as the owner) upserts it; the app role only reads it, under the same row-level security as
customer data.

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-01 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import text

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None

POLICY = "org_isolation"
CURRENT_ORG = "NULLIF(current_setting('accountlens.org_id', true), '')::uuid"


def upgrade() -> None:
    op.create_table(
        "data_sources",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("last_imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], ondelete="CASCADE", name="fk_data_sources_org_id_orgs"
        ),
        sa.PrimaryKeyConstraint("org_id", "source", name="pk_data_sources"),
    )
    op.execute(text("ALTER TABLE data_sources ENABLE ROW LEVEL SECURITY"))
    op.execute(text(f"CREATE POLICY {POLICY} ON data_sources USING (org_id = {CURRENT_ORG})"))


def downgrade() -> None:
    op.drop_table("data_sources")
