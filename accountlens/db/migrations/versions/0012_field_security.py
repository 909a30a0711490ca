"""``field_security``: the fields of an object type an org's members may not see.

An admin marks a standard or custom field of a type (``account.arr_amount``, a custom
``churn_risk``) as hidden from members; the resolvers then never select it for them. Org data,
so it gets the row-level security policy of every customer-data table (see 0006); the app role
may add and remove rows (the admin mutation), scoped to the bound org.

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-02 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import text

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None

POLICY = "org_isolation"
CURRENT_ORG = "NULLIF(current_setting('accountlens.org_id', true), '')::uuid"


def upgrade() -> None:
    op.create_table(
        "field_security",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("object_type", sa.Text(), nullable=False),
        sa.Column("field", sa.Text(), nullable=False),
        sa.Column(
            "hidden_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("hidden_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_field_security_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "object_type", "field", name=op.f("pk_field_security")),
    )
    op.execute(text("ALTER TABLE field_security ENABLE ROW LEVEL SECURITY"))
    # WITH CHECK as well: the app role writes here, and only ever into the bound org.
    op.execute(
        text(
            f"CREATE POLICY {POLICY} ON field_security USING (org_id = {CURRENT_ORG}) "
            f"WITH CHECK (org_id = {CURRENT_ORG})"
        )
    )


def downgrade() -> None:
    op.drop_table("field_security")
