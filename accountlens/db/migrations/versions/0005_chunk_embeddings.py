"""One stored vector per distinct passage text of an org (``chunk_embeddings``).

Transcripts and KB articles repeat wordings, so many chunks carried identical vectors; an HNSW
graph over many identical vectors loses recall badly (0.56 recall@10 for admins on the large
demo preset). Vectors move to ``chunk_embeddings``, keyed by ``(org_id, sha256(text))``; each
chunk keeps the key in ``text_hash`` (``NULL`` while it has no vector) and the HNSW index is
built over the distinct vectors only. An index on ``(org_id, kind, occurred_at)`` lets a
restricted member's visible chunks be found by index (KB articles are visible to everyone)
instead of by reading every chunk of the org.

On an existing database the vectors are copied first (the vector of the lowest chunk id wins
when identical texts were embedded differently), then ``embedding`` is turned into
``text_hash`` in place: one rewrite of the table instead of an update of every row, which would
leave a dead copy of each row behind and update every index row by row.

Revision ID: 0005_chunk_embeddings
Revises: 0004
Create Date: 2026-11-26 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector
from sqlalchemy import text

revision = "0005_chunk_embeddings"
down_revision = "0004"
branch_labels = None
depends_on = None

HNSW = "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"


def upgrade() -> None:
    # Copying and rewriting a large table outlasts the app's request-sized statement timeout.
    op.execute(text("SET LOCAL statement_timeout = 0"))
    op.create_table(
        "chunk_embeddings",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("text_hash", sa.LargeBinary(), nullable=False),
        sa.Column("embedding", Vector(384), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_chunk_embeddings_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "text_hash", name=op.f("pk_chunk_embeddings")),
    )
    op.execute(
        text(
            # sha256(convert_to(text, 'UTF8')) is accountlens.db.models.passage_hash in SQL.
            """
            INSERT INTO chunk_embeddings (org_id, text_hash, embedding)
            SELECT DISTINCT ON (org_id, text_hash) org_id, text_hash, embedding
            FROM (SELECT org_id, id, sha256(convert_to(text, 'UTF8')) AS text_hash, embedding
                  FROM document_chunks WHERE embedding IS NOT NULL) AS embedded
            ORDER BY org_id, text_hash, id
            """
        )
    )
    op.drop_index("ix_document_chunks_embedding_hnsw", table_name="document_chunks")
    op.execute(
        text(
            "ALTER TABLE document_chunks ALTER COLUMN embedding TYPE bytea USING "
            "CASE WHEN embedding IS NULL THEN NULL ELSE sha256(convert_to(text, 'UTF8')) END"
        )
    )
    op.alter_column("document_chunks", "embedding", new_column_name="text_hash")
    op.create_index(
        op.f("ix_document_chunks_org_id_text_hash_id"),
        "document_chunks",
        ["org_id", "text_hash", "id"],
    )
    op.create_index(
        op.f("ix_document_chunks_org_id_kind_occurred_at"),
        "document_chunks",
        ["org_id", "kind", "occurred_at"],
    )
    op.create_foreign_key(
        op.f("fk_document_chunks_org_id_text_hash_chunk_embeddings"),
        "document_chunks",
        "chunk_embeddings",
        ["org_id", "text_hash"],
        ["org_id", "text_hash"],
    )
    op.execute(text(f"CREATE INDEX ix_chunk_embeddings_embedding_hnsw ON chunk_embeddings {HNSW}"))
    op.execute(text("ANALYZE chunk_embeddings"))
    op.execute(text("ANALYZE document_chunks"))


def downgrade() -> None:
    op.execute(text("SET LOCAL statement_timeout = 0"))
    op.drop_constraint(
        op.f("fk_document_chunks_org_id_text_hash_chunk_embeddings"),
        "document_chunks",
        type_="foreignkey",
    )
    op.drop_index(op.f("ix_document_chunks_org_id_text_hash_id"), table_name="document_chunks")
    op.drop_index(op.f("ix_document_chunks_org_id_kind_occurred_at"), table_name="document_chunks")
    op.add_column("document_chunks", sa.Column("embedding", Vector(384), nullable=True))
    op.execute(
        text(
            "UPDATE document_chunks AS c SET embedding = e.embedding FROM chunk_embeddings AS e "
            "WHERE e.org_id = c.org_id AND e.text_hash = c.text_hash"
        )
    )
    op.drop_column("document_chunks", "text_hash")
    op.drop_table("chunk_embeddings")
    op.execute(text(f"CREATE INDEX ix_document_chunks_embedding_hnsw ON document_chunks {HNSW}"))
