"""Narrowed connections and service tokens.

A person may narrow an MCP connection on the consent page (SPEC §6): to some object types
(``narrowed_types``, NULL for every type), without transcripts or knowledge-base articles, and
for 30, 90 or 365 days. The choices ride on the authorization code to the connection it is
exchanged for. ``connections.kind`` tells an MCP connection (``oauth``) from an internal app's
service token an admin created (``service``), which shares the table, the token format and the
per-request check. Existing rows: ``oauth``, not narrowed.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-02 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def _narrowing(table: str) -> None:
    op.add_column(table, sa.Column("narrowed_types", postgresql.ARRAY(sa.Text()), nullable=True))
    for flag in ("exclude_transcripts", "exclude_kb"):
        op.add_column(
            table, sa.Column(flag, sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )


def upgrade() -> None:
    _narrowing("oauth_authorization_codes")
    op.add_column("oauth_authorization_codes", sa.Column("lifetime_days", sa.Integer()))
    _narrowing("connections")
    op.add_column(
        "connections",
        sa.Column("kind", sa.Text(), server_default=sa.text("'oauth'"), nullable=False),
    )
    op.create_check_constraint(
        op.f("ck_connections_kind"), "connections", "kind IN ('oauth', 'service')"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_connections_kind"), "connections", type_="check")
    for column in ("kind", "exclude_kb", "exclude_transcripts", "narrowed_types"):
        op.drop_column("connections", column)
    for column in ("lifetime_days", "exclude_kb", "exclude_transcripts", "narrowed_types"):
        op.drop_column("oauth_authorization_codes", column)
