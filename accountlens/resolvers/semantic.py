"""Semantic search over transcript and KB chunks: full-text and vector ranks fused by RRF.

Both retrievals carry the caller's visibility and the search filters in their ``WHERE``
clause, so a restricted member gets a full top-k of what they may see. Vectors are stored once
per distinct passage text of an org (``chunk_embeddings``) and chunks point at theirs. When the
visible, filtered set is small the vector part scans it exactly (the ``+ 0`` keeps the planner
off the index); otherwise it walks the HNSW index over the org's distinct vectors, nearest
first, and reads each vector's visible chunks until it has enough. pgvector's iterative scan
keeps the walk going past vectors whose chunks the caller cannot see.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, Text, cast, func, select, true

from accountlens.db.models import ChunkEmbedding, Document, DocumentChunk
from accountlens.resolvers.errors import BadInputError, unknown_choice
from accountlens.resolvers.reader import Reader, Row
from accountlens.resolvers.visibility import (
    visible_chunk_embeddings,
    visible_chunks,
    visible_documents,
)
from accountlens.resolvers.windows import window

MAX_QUERY = 1000
MAX_RESULTS = 50
KINDS = ("transcript", "kb_article")
MODES = ("hybrid", "vector", "keyword")
T = TypeVar("T")


class QueryEmbedder(Protocol):
    """Turns texts into unit-length vectors (``accountlens.ingest.embeddings.Embedder``)."""

    def embed(self, texts: Sequence[str]) -> Any: ...


@dataclass(frozen=True, slots=True)
class SearchTuning:
    """Knobs of the vector search.

    Up to ``exact_scan_limit`` visible, filtered chunks the search scans them all (exact);
    above it, it walks the HNSW index with iterative scans and ``ef_search`` candidates.
    """

    exact_scan_limit: int = 20_000
    ef_search: int = 200
    rrf_k: int = 60
    candidates: int = 100


@dataclass(slots=True)
class Passage:
    chunk: Row  # chunk columns plus document_title
    score: float
    vector_rank: int | None = None
    keyword_rank: int | None = None


@dataclass(slots=True)
class SemanticResult:
    passages: list[Passage]
    strategy: str  # "exact", "hnsw" or "keyword"


async def semantic_search(
    reader: Reader,
    query: str,
    embedder: QueryEmbedder | None,
    tuning: SearchTuning,
    *,
    account_id: uuid.UUID | None = None,
    kinds: Sequence[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    first: int = 10,
    mode: str = "hybrid",
) -> SemanticResult:
    """The ``first`` best visible passages for ``query``."""
    query = " ".join(query.split())
    if not query or len(query) > MAX_QUERY:
        raise BadInputError(f"query must be 1 to {MAX_QUERY} characters", field="query")
    if not 1 <= first <= MAX_RESULTS:
        raise BadInputError(f"first must be between 1 and {MAX_RESULTS}", field="first")
    if mode not in MODES:
        raise unknown_choice("mode", mode, MODES)
    for kind in kinds or ():
        if kind not in KINDS:
            raise unknown_choice("document kind", kind, KINDS)
    await reader.org()  # from here on the visibility predicates fit the org's mode
    where = [visible_chunks(reader.principal)]
    if account_id is not None:
        where.append(DocumentChunk.account_id == account_id)
    if kinds:
        where.append(DocumentChunk.kind.in_(list(kinds)))
    if since or until:
        span = await window(reader, since or "-100y", until, default_days=30)
        where += [DocumentChunk.occurred_at >= span.start, DocumentChunk.occurred_at < span.end]
    use_vector = mode != "keyword" and embedder is not None
    use_keyword = mode != "vector"
    pool = max(tuning.candidates, first)
    # The two legs run at once, each on its own connection (the query embedding overlaps the
    # full-text search); gather re-raises the first failure as it is.
    (vector, strategy), keyword = await asyncio.gather(
        _vector_ranks(reader, query, embedder, tuning, where, pool)
        if use_vector
        else _skipped(([], "keyword")),
        _keyword_ranks(reader, query, where, pool) if use_keyword else _skipped([]),
    )
    scores: dict[uuid.UUID, Passage] = {}
    for rank, chunk_id in enumerate(vector, start=1):
        scores[chunk_id] = Passage({}, 1 / (tuning.rrf_k + rank), vector_rank=rank)
    for rank, chunk_id in enumerate(keyword, start=1):
        passage = scores.setdefault(chunk_id, Passage({}, 0.0))
        passage.score += 1 / (tuning.rrf_k + rank)
        passage.keyword_rank = rank
    best = sorted(scores.items(), key=lambda item: (-item[1].score, item[0]))[:first]
    rows = {r["id"]: r for r in await _chunks(reader, [chunk_id for chunk_id, _ in best])}
    passages = []
    for chunk_id, passage in best:
        if chunk_id in rows:
            passage.chunk = rows[chunk_id]
            passages.append(passage)
    return SemanticResult(passages, strategy)


async def _skipped(value: T) -> T:
    """A leg that is not searched: its empty ranking."""
    return value


async def _vector_ranks(
    reader: Reader,
    query: str,
    embedder: QueryEmbedder | None,
    tuning: SearchTuning,
    where: list[ColumnElement[bool]],
    pool: int,
) -> tuple[list[uuid.UUID], str]:
    """The ``pool`` visible chunks nearest to ``query``; equally near chunks (those sharing a
    vector) in id order."""
    assert embedder is not None
    matrix = await asyncio.to_thread(embedder.embed, [query])
    vector = [float(x) for x in matrix[0]]
    chunk, stored = DocumentChunk, ChunkEmbedding
    distance = stored.embedding.cosine_distance(vector)
    in_org = visible_chunk_embeddings(reader.principal)
    # One statement decides and, when the visible set is small, ranks it exactly: the visible
    # chunks (at most one past the limit) are read once, then joined to their vectors.
    cap = tuning.exact_scan_limit
    visible = (
        select(chunk.org_id, chunk.id, chunk.text_hash)
        .where(*where, chunk.text_hash.is_not(None))
        .limit(cap + 1)
        .cte("visible")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    total = select(func.count()).select_from(visible).scalar_subquery()
    nearest = (
        select(visible.c.id)
        .join(
            stored, (stored.org_id == visible.c.org_id) & (stored.text_hash == visible.c.text_hash)
        )
        .where(in_org, total <= cap)
        .order_by(distance + 0, visible.c.id)
        .limit(pool)
    )
    found = await reader.rows(
        select(total.label("visible"), func.array(nearest.scalar_subquery()).label("nearest"))
    )
    if found[0]["visible"] <= cap:
        return list(found[0]["nearest"]), "exact"
    # Per vector (nearest first), its visible chunks in id order; the outer LIMIT stops the
    # index walk as soon as ``pool`` chunks are found.
    chunks_of_vector = (
        select(chunk.id)
        .where(*where, stored.org_id == chunk.org_id, stored.text_hash == chunk.text_hash)
        .order_by(chunk.id)
        .limit(pool)
        .lateral("chunk")
    )
    candidates = (
        select(chunks_of_vector.c.id, distance.label("distance"))
        .select_from(stored)
        .join(chunks_of_vector, true())
        .where(in_org)
        .order_by(distance)
        .limit(pool)
        .cte("candidates")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    # relaxed_order may return vectors slightly out of order: sort what was found.
    rows = await reader.rows(
        select(candidates.c.id).order_by(candidates.c.distance, candidates.c.id),
        settings={  # for this statement's transaction only
            "hnsw.iterative_scan": "relaxed_order",
            "hnsw.ef_search": str(int(tuning.ef_search)),
        },
    )
    return [r["id"] for r in rows], "hnsw"


async def _keyword_ranks(
    reader: Reader, query: str, where: list[ColumnElement[bool]], pool: int
) -> list[uuid.UUID]:
    """Chunks containing any of the query's stemmed words, ranked by cover density."""
    words = func.plainto_tsquery("english", query)
    any_word = func.to_tsquery("english", func.replace(cast(words, Text), "&", "|"))
    rank = func.ts_rank_cd(DocumentChunk.tsv, any_word)
    rows = await reader.rows(
        select(DocumentChunk.id)
        .where(*where, DocumentChunk.tsv.op("@@")(any_word))
        .order_by(rank.desc(), DocumentChunk.id)
        .limit(pool)
    )
    return [r["id"] for r in rows]


async def _chunks(reader: Reader, ids: list[uuid.UUID]) -> list[Row]:
    if not ids:
        return []
    c = DocumentChunk
    return await reader.rows(
        select(
            c.id,
            c.document_id,
            c.ordinal,
            c.kind,
            c.account_id,
            c.occurred_at,
            c.speaker,
            c.start_seconds,
            c.text,
            Document.title.label("document_title"),
        )
        .join(Document, (Document.org_id == c.org_id) & (Document.id == c.document_id))
        .where(visible_chunks(reader.principal), visible_documents(reader.principal), c.id.in_(ids))
    )


def timestamp(seconds: int | None) -> str | None:
    """``h:mm:ss`` / ``m:ss`` for a position in a recording."""
    if seconds is None:
        return None
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"
