"""Meeting transcripts and knowledge-base articles, split into searchable chunks."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from accountlens.db.models.base import Base, Record, org_fk, prefix_index, trigram_index

EMBEDDING_DIMENSIONS = 384


class Document(Record):
    """A transcript (``occurred_at`` is the meeting time) or a KB article."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        org_fk("account_id", "accounts", nullable=True),
        CheckConstraint("kind IN ('transcript', 'kb_article')", name="kind"),
        Index(None, "org_id", "account_id", "occurred_at"),
        Index(None, "org_id", "kind", "occurred_at"),
        Index(
            "ix_documents_org_id_occurred_at_desc",
            "org_id",
            text("occurred_at DESC NULLS LAST"),
            "id",
        ),
        trigram_index("documents", "title"),
        prefix_index("documents", "title"),
    )

    kind: Mapped[str] = mapped_column(Text, nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    account_id: Mapped[uuid.UUID | None] = mapped_column()
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text, nullable=False)


class DocumentParticipant(Record):
    """Who took part in a meeting: a user or a customer contact (exactly one)."""

    __tablename__ = "document_participants"
    __table_args__ = (
        org_fk("document_id", "documents"),
        org_fk("user_id", "users"),
        org_fk("person_id", "people"),
        CheckConstraint("num_nonnulls(user_id, person_id) = 1", name="one_participant"),
        UniqueConstraint("org_id", "document_id", "user_id"),
        UniqueConstraint("org_id", "document_id", "person_id"),
        UniqueConstraint("org_id", "external_id"),
        Index(None, "org_id", "user_id"),
    )

    document_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    user_id: Mapped[uuid.UUID | None] = mapped_column()
    person_id: Mapped[uuid.UUID | None] = mapped_column()


class ChunkEmbedding(Base):
    """One stored vector per distinct passage text of an org, keyed by the text's SHA-256.

    Transcripts and KB articles repeat wordings (greetings, boilerplate, shared articles), so
    many chunks share a text; each text is embedded and stored once. The HNSW index then holds
    distinct vectors only: graphs built over many identical vectors lose recall.
    The HNSW index cannot lead with ``org_id`` (pgvector indexes one column); it is the one
    index that does not, and queries always add the ``org_id`` predicate.
    """

    __tablename__ = "chunk_embeddings"
    __table_args__ = (
        Index(
            "ix_chunk_embeddings_embedding_hnsw",
            "embedding",
            postgresql_using="hnsw",
            postgresql_with={"m": 16, "ef_construction": 64},
            postgresql_ops={"embedding": "vector_cosine_ops"},
        ),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True
    )
    text_hash: Mapped[bytes] = mapped_column(LargeBinary, primary_key=True)
    embedding: Mapped[list[float]] = mapped_column(Vector(EMBEDDING_DIMENSIONS), nullable=False)


def passage_hash(passage: str) -> bytes:
    """The key of a passage's vector: SHA-256 of its exact UTF-8 text.

    Equal to PostgreSQL's ``sha256(convert_to(text, 'UTF8'))``, which the migration uses.
    """
    return hashlib.sha256(passage.encode("utf-8")).digest()


class DocumentChunk(Base):
    """A passage of a document with its full-text vector and the key of its embedding.

    ``account_id``, ``kind`` and ``occurred_at`` are copied from the document so that the
    visibility and search filters apply in the same scan as the ranking. ``text_hash`` points
    at the passage's vector in ``chunk_embeddings`` once it is embedded (``NULL`` before).
    """

    __tablename__ = "document_chunks"
    __table_args__ = (
        org_fk("document_id", "documents"),
        org_fk("account_id", "accounts", nullable=True),
        ForeignKeyConstraint(
            ["org_id", "text_hash"],
            ["chunk_embeddings.org_id", "chunk_embeddings.text_hash"],
        ),
        UniqueConstraint("org_id", "document_id", "ordinal"),
        Index(None, "org_id", "account_id", "occurred_at"),
        # With the account index, makes a member's visibility test (a KB article, a chunk of an
        # account in their book, or an account-less meeting) a union of index scans.
        Index(None, "org_id", "kind", "occurred_at"),
        # Chunks sharing a vector, in id order: the search reads them per vector.
        Index(None, "org_id", "text_hash", "id"),
        Index("ix_document_chunks_tsv", "org_id", "tsv", postgresql_using="gin"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    document_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    ordinal: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    account_id: Mapped[uuid.UUID | None] = mapped_column()
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    speaker: Mapped[str | None] = mapped_column(Text)
    start_seconds: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    tsv: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed("to_tsvector('english', coalesce(speaker, '') || ' ' || text)", persisted=True),
    )
    text_hash: Mapped[bytes | None] = mapped_column(LargeBinary)
