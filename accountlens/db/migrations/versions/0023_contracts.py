"""``contracts``: the agreements an account has signed (name, status, term, value, renewal terms).

Account-attached customer data, so it gets the row-level security policy of every customer-data
table (see 0006): the app role reads it (grants.py gives row-secured tables SELECT only).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 05:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

POLICY = "org_isolation"
CURRENT_ORG = "NULLIF(current_setting('accountlens.org_id', true), '')::uuid"


def upgrade() -> None:
    op.create_table(
        "contracts",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("value_amount", sa.Numeric(16, 2), nullable=True),
        sa.Column("value_currency", sa.Text(), server_default=sa.text("'USD'"), nullable=False),
        sa.Column("renewal_terms", sa.Text(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'active', 'expired', 'terminated')",
            name=op.f("ck_contracts_status"),
        ),
        sa.CheckConstraint(
            "end_date IS NULL OR end_date >= start_date", name=op.f("ck_contracts_term")
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "account_id"],
            ["accounts.org_id", "accounts.id"],
            name=op.f("fk_contracts_org_id_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_contracts_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_contracts")),
        sa.UniqueConstraint("org_id", "external_id", name=op.f("uq_contracts_org_id_external_id")),
    )
    op.create_index(
        op.f("ix_contracts_org_id_account_id_end_date"),
        "contracts",
        ["org_id", "account_id", "end_date"],
        unique=False,
    )
    op.create_index(
        "ix_contracts_name_trgm",
        "contracts",
        ["org_id", "name"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.execute(text("ALTER TABLE contracts ENABLE ROW LEVEL SECURITY"))
    op.execute(text(f"CREATE POLICY {POLICY} ON contracts USING (org_id = {CURRENT_ORG})"))


def downgrade() -> None:
    op.drop_table("contracts")
