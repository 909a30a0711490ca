"""OAuth clients: a registration fingerprint (identical registrations share one client) and the
two timestamps that let unused clients be garbage-collected.

* ``fingerprint``: a hash of the registered metadata; unique, so two identical registrations
  racing each other still end as one client. NULL for clients registered before this revision
  (they are never matched, only collected if unused).
* ``last_registered_at``: when the client was last registered or re-issued by deduplication.
* ``first_token_at``: when the client first got an access token; NULL means never.

Existing clients take their ``created_at`` as ``last_registered_at`` and the time of their
first connection as ``first_token_at`` (``connections`` carries no row-level security).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("oauth_clients", sa.Column("fingerprint", sa.Text(), nullable=True))
    op.add_column(
        "oauth_clients",
        sa.Column(
            "last_registered_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    )
    op.add_column(
        "oauth_clients", sa.Column("first_token_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        sa.text(
            "UPDATE oauth_clients c SET last_registered_at = c.created_at, first_token_at = "
            "(SELECT min(k.created_at) FROM connections k WHERE k.client_id = c.client_id)"
        )
    )
    op.create_index(
        "uq_oauth_clients_org_id_fingerprint",
        "oauth_clients",
        ["org_id", "fingerprint"],
        unique=True,
        postgresql_where=sa.text("fingerprint IS NOT NULL"),
    )
    # The collector's scan: never used, registered long ago.
    op.create_index(
        "ix_oauth_clients_org_id_unused",
        "oauth_clients",
        ["org_id", "last_registered_at"],
        postgresql_where=sa.text("first_token_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_oauth_clients_org_id_unused", table_name="oauth_clients")
    op.drop_index("uq_oauth_clients_org_id_fingerprint", table_name="oauth_clients")
    op.drop_column("oauth_clients", "first_token_at")
    op.drop_column("oauth_clients", "last_registered_at")
    op.drop_column("oauth_clients", "fingerprint")
