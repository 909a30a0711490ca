"""Admin pages: the admin audit log, invite and reset links, record IDs per tool call, and an
org's token lifetime ceiling.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 04:40:00

* ``admin_audit``: one row per admin action (and per invite or reset link redeemed), never
  updated. Append-only for the app role, like ``mcp_tool_calls``.
* ``account_links``: single-use, expiring invite and password-reset links. Only
  ``HMAC(secret key, link secret)`` is stored (like web sessions), so a dump of the table opens
  nothing. Redeeming deletes the row, which is what makes a link single-use.
* ``mcp_tool_calls.record_ids``: the record IDs a call returned, at most
  ``ACCOUNTLENS_AUDIT_MAX_RECORD_IDS`` of them; plus an ``(org_id, called_at, id)`` index for
  the org-wide audit page's keyset paging.
* ``orgs.token_lifetime_days``: the org's ceiling on a connection's lifetime (null: the
  deployment's ``ACCOUNTLENS_ACCESS_TOKEN_TTL_DAYS``).

None of these holds customer data, so none is under row-level security (like ``connections``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_audit",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_email", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_admin_audit_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_admin_audit")),
    )
    op.create_index(op.f("ix_admin_audit_org_id_at"), "admin_audit", ["org_id", "at"], unique=False)
    op.create_table(
        "account_links",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id_hash", sa.LargeBinary(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("purpose IN ('invite', 'reset')", name=op.f("ck_account_links_purpose")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_account_links_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "user_id"],
            ["users.org_id", "users.id"],
            name=op.f("fk_account_links_org_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "id_hash", name=op.f("pk_account_links")),
    )
    op.create_index(
        op.f("ix_account_links_org_id_user_id"),
        "account_links",
        ["org_id", "user_id"],
        unique=False,
    )
    op.add_column("mcp_tool_calls", sa.Column("record_ids", sa.ARRAY(sa.Text()), nullable=True))
    op.create_index(
        op.f("ix_mcp_tool_calls_org_id_called_at_id"),
        "mcp_tool_calls",
        ["org_id", "called_at", "id"],
        unique=False,
    )
    op.add_column("orgs", sa.Column("token_lifetime_days", sa.Integer(), nullable=True))
    op.create_check_constraint(
        op.f("ck_orgs_token_lifetime"),
        "orgs",
        "token_lifetime_days IS NULL OR token_lifetime_days BETWEEN 1 AND 3650",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_orgs_token_lifetime"), "orgs", type_="check")
    op.drop_column("orgs", "token_lifetime_days")
    op.drop_index(op.f("ix_mcp_tool_calls_org_id_called_at_id"), table_name="mcp_tool_calls")
    op.drop_column("mcp_tool_calls", "record_ids")
    op.drop_index(op.f("ix_account_links_org_id_user_id"), table_name="account_links")
    op.drop_table("account_links")
    op.drop_index(op.f("ix_admin_audit_org_id_at"), table_name="admin_audit")
    op.drop_table("admin_audit")
