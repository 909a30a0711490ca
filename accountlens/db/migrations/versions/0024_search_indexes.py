"""Every column keyword search reads has a trigram index.

Users (name, e-mail), teams and groups are searched (``resolvers/registry.py``
``search_columns``) but had no trigram index: each search read all of the org's rows of them
through the trigram operators. They get the ``ix_<table>_<column>_trgm`` GIN index every other
searched column has, led by ``org_id`` (btree_gin), created like the others (plain ``CREATE
INDEX``, which Citus propagates to the shards; ``users`` is a reference table there). What the
planner is told a trigram comparison costs is set at each start instead, with the functions'
LEAKPROOF mark (``accountlens/db/row_security.py``).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 19:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

#: Frozen here, so the migration means the same thing whatever the registry says later.
INDEXES = (("users", "name"), ("users", "email"), ("teams", "name"), ("groups", "name"))


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(
            f"ix_{table}_{column}_trgm",
            table,
            ["org_id", column],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        op.drop_index(f"ix_{table}_{column}_trgm", table_name=table)
