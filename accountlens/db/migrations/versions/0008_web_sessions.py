"""Server-side web sessions: sign-out, password changes and disabling end them at once.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:00:00

The table is an auth table (read by every signed-in request before customer data), so it is not
under row-level security, like ``connections``; the app role gets read/write on it from
``grant_app_role``. ``id_hash`` is ``HMAC(secret key, session id)``, never the id itself.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id_hash", sa.LargeBinary(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_web_sessions_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "user_id"],
            ["users.org_id", "users.id"],
            name=op.f("fk_web_sessions_org_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "id_hash", name=op.f("pk_web_sessions")),
    )
    op.create_index(
        op.f("ix_web_sessions_org_id_user_id"), "web_sessions", ["org_id", "user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_web_sessions_org_id_user_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
