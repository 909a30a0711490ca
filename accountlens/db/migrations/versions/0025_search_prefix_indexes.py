"""Keyword search reads the names that start with the query from a btree range.

The first tier of a search (``resolvers/search.py`` ``_tiers``) is the records whose name starts
with the query, ``name ILIKE 'renewal%'``. Only the trigram GIN index could serve that, and for
a common word it hands over every row sharing the word's trigrams for a recheck that keeps a
few (36,864 activity subjects for 2 kept at the large preset). Each searched name column gets
``ix_<table>_<column>_prefix`` on ``(org_id, lower(<column>) text_pattern_ops)``: ILIKE
compares the lowered strings, and in byte order every string with a given prefix lies in one
range, so the tier reads ``lower(name) ~>=~ lower(:q) AND lower(name) ~<~ lower(:q) || U+10FFFF``
(the byte-order comparisons) — bounds an index scan takes from parameters, in a generic plan
too. ``text_pattern_ops`` rather than ``COLLATE "C"`` on the index column, which compares the
same way: SQLAlchemy's reflection drops an index column's collation, so the schema comparison
(``tests/db/test_migrations.py``) could not see that index as the models' one. The database's
own collation would not do: a linguistic order does not keep a prefix's strings together.
Led by ``org_id`` like every btree (Citus propagates a plain ``CREATE INDEX`` to the shards;
``users`` is a reference table there).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 06:10:00
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import literal_column

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

#: Frozen here, so the migration means the same thing whatever the registry says later.
INDEXES = (
    ("accounts", "name"),
    ("people", "name"),
    ("opportunities", "name"),
    ("tasks", "title"),
    ("activities", "subject"),
    ("projects", "name"),
    ("tickets", "subject"),
    ("contracts", "name"),
    ("custom_object_instances", "name"),
    ("groups", "name"),
    ("users", "name"),
    ("teams", "name"),
    ("documents", "title"),
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(
            f"ix_{table}_{column}_prefix",
            table,
            ["org_id", literal_column(f"lower({column})").label(f"{column}_lowered")],
            unique=False,
            postgresql_ops={f"{column}_lowered": "text_pattern_ops"},
        )


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        op.drop_index(f"ix_{table}_{column}_prefix", table_name=table)
