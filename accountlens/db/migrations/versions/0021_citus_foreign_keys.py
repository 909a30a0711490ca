"""Ready for Citus: optional references take no action on delete; the org binds by SET LOCAL.

Citus refuses ``ON DELETE SET NULL`` (with or without a column list) on every foreign key that
includes the distribution column, and every reference between records is ``(org_id, <ref>_id)``.
These keys now take no action: deleting a record that is still referenced fails, and the code
that deletes (the importer's ``--prune``) clears the references first, in the same transaction
(``accountlens/ingest/importer/references.py``). The integrity guarantee is unchanged; only who clears the
reference moved. Found by introspection, so the migration needs no list of the keys.

The org binding (``accountlens/db/row_security.py``) used ``set_config(…, true)``, which Citus
does not send to the workers, so their row-level security saw no org. ``accountlens_bind`` sets
each setting with ``SET LOCAL`` instead, which Citus forwards to every worker the transaction
uses (once ``citus.propagate_set_commands`` is ``local``, which the function itself sets when
Citus is loaded). It takes its values as parameters, so the reader's binding stays one round
trip of one cached statement; on a single server it does exactly what ``set_config`` did.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 04:45:00
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

#: The foreign keys of the public schema with a given delete action ('n' = SET NULL,
#: 'a' = NO ACTION), as (table, name, referencing columns, referenced table and columns).
KEYS = """
SELECT c.conrelid::regclass::text AS tab, c.conname AS name,
       (SELECT array_agg(a.attname ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(att, n)
          JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att) AS cols,
       c.confrelid::regclass::text AS ref,
       (SELECT array_agg(a.attname ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(att, n)
          JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.att) AS ref_cols
FROM pg_constraint c JOIN pg_namespace s ON s.oid = c.connamespace
WHERE c.contype = 'f' AND s.nspname = 'public' AND c.confdeltype::text = :action
  AND 'org_id' = ANY (SELECT a.attname FROM pg_attribute a
                      WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey))
ORDER BY 1, 2
"""


def _recreate(action: str, on_delete: str | None) -> None:
    bind = op.get_bind()
    for row in bind.execute(text(KEYS), {"action": action}).all():
        if list(row.ref_cols) != ["org_id", "id"]:
            continue  # not a reference to a record (document_chunks -> chunk_embeddings)
        columns = ", ".join(row.cols)
        referenced = ", ".join(row.ref_cols)
        clause = ""
        if on_delete is not None:
            (optional,) = [c for c in row.cols if c != "org_id"]
            clause = f" ON DELETE {on_delete} ({optional})"
        op.execute(text(f'ALTER TABLE {row.tab} DROP CONSTRAINT "{row.name}"'))
        op.execute(
            text(
                f'ALTER TABLE {row.tab} ADD CONSTRAINT "{row.name}" FOREIGN KEY ({columns}) '
                f"REFERENCES {row.ref} ({referenced}){clause}"
            )
        )


BIND_FUNCTION = """
CREATE OR REPLACE FUNCTION accountlens_bind(names text[], vals text[]) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    i integer;
BEGIN
    IF current_setting('citus.propagate_set_commands', true) IS NOT NULL THEN
        SET LOCAL citus.propagate_set_commands = 'local';
    END IF;
    FOR i IN 1 .. coalesce(array_length(names, 1), 0) LOOP
        EXECUTE format('SET LOCAL %s = %L',
                       (SELECT string_agg(quote_ident(part), '.')
                          FROM unnest(string_to_array(names[i], '.')) AS part),
                       vals[i]);
    END LOOP;
END
$fn$
"""


def upgrade() -> None:
    _recreate("n", None)
    op.execute(text(BIND_FUNCTION))


def downgrade() -> None:
    op.execute(text("DROP FUNCTION IF EXISTS accountlens_bind(text[], text[])"))
    # Every no-action key between records was a SET NULL one before this revision.
    _recreate("a", "SET NULL")
