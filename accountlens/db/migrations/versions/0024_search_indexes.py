"""Keyword search reads through its trigram indexes: the rest of the searched columns get one,
and the planner learns what a trigram comparison costs.

Users (name, e-mail), teams and groups are searched (``resolvers/registry.py``
``search_columns``) but had no trigram index: each search scanned the org's rows of them. They
get the ``ix_<table>_<column>_trgm`` GIN index every other searched column has, led by
``org_id`` (btree_gin), created like the others (plain ``CREATE INDEX``, which Citus
propagates to the shards; ``users`` is a reference table there).

pg_trgm declares its ``%`` / ``<%`` / ``%>`` operator functions at the default cost of one
plain operator, while each call builds and compares two trigram sets (microseconds). Given an
``OR`` of several of them, the planner then preferred reading every row of the org through the
``org_id`` part of the trigram index and filtering it (5.4k contracts per search on the medium
preset, 54k on the large one, for no match) over the trigram conditions themselves. At ``COST
100`` the trigram scans win wherever they should. A server whose migration role does not own
the extension (a managed service) keeps pg_trgm's costs and says so in a notice: the search
is then slower there, never wrong. On Citus the workers, which plan the shard queries, get the
same change. A dump restored with ``CREATE EXTENSION`` loses it (docs/operations.md).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 19:10:00
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

#: Frozen here, so the migration means the same thing whatever the registry says later.
INDEXES = (("users", "name"), ("users", "email"), ("teams", "name"), ("groups", "name"))
#: pg_trgm's boolean operators keyword search filters with: ``%``, ``<%`` and ``%>``.
OPERATOR_FUNCTIONS = ("similarity_op", "word_similarity_commutator_op", "word_similarity_op")
TRIGRAM_COST = 100
DEFAULT_COST = 1  # what pg_trgm declares


def _set_costs(cost: int) -> str:
    alters = [f"ALTER FUNCTION {f}(text, text) COST {cost}" for f in OPERATOR_FUNCTIONS]
    here = "".join(f"\n    {alter};" for alter in alters)
    workers = "".join(f"\n        PERFORM run_command_on_workers($cmd${a}$cmd$);" for a in alters)
    return f"""
DO $$
BEGIN{here}
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN{workers}
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'pg_trgm operator costs left as they are: % (keyword search is slower)',
        SQLERRM;
END $$
"""


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
    op.execute(text(_set_costs(TRIGRAM_COST)))


def downgrade() -> None:
    op.execute(text(_set_costs(DEFAULT_COST)))
    for table, column in reversed(INDEXES):
        op.drop_index(f"ix_{table}_{column}_trgm", table_name=table)
