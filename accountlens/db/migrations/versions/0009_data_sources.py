"""``data_sources``: when each source of an org was last imported.

``accountlens import`` records, per org and source (``jsonl``, ``csv``, ``salesforce`` …), the
time of its last import, so answers can say how fresh the data is. Org data, so it gets the
row-level security policy of every customer-data table (see 0006).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import text

revision = "0009"
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
            ["org_id"], ["orgs.id"], name=op.f("fk_data_sources_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "source", name=op.f("pk_data_sources")),
    )
    op.execute(text("ALTER TABLE data_sources ENABLE ROW LEVEL SECURITY"))
    op.execute(text(f"CREATE POLICY {POLICY} ON data_sources USING (org_id = {CURRENT_ORG})"))


def downgrade() -> None:
    op.drop_table("data_sources")
