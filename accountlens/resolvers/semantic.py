"""Semantic search over transcript and KB chunks: cosine similarity and full-text rank, fused.

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

from sqlalchemy import ARRAY, ColumnElement, Float, Text, any_, cast, func, literal, select, true

from accountlens.db.models import ChunkEmbedding, Document, DocumentChunk
from accountlens.resolvers.errors import BadInputError, unknown_choice
from accountlens.resolvers.narrowing import allowed_kinds
from accountlens.resolvers.reader import Reader, Row
from accountlens.resolvers.visibility import (
    visible_chunk_embeddings,
    visible_chunks,
    visible_documents,
)
from accountlens.resolvers.windows import window

MAX_QUERY = 1000
MAX_RESULTS = 50
#: The keyword leg ranks by cover density only the ``PRESELECT × pool`` best matches by word
#: frequency (see :func:`_keyword_ranks`).
PRESELECT = 10
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

    #: Deciding reads up to this many visible chunks, so it is paid on every call: at 20,000 a
    #: team-book member on the large preset (11,000 visible chunks) spent 22 ms deciding and
    #: 15 ms scanning exactly; at 5,000 she takes the index (recall@10 still 1.0 for every
    #: class on medium and large, ``python -m bench --only recall``).
    exact_scan_limit: int = 5_000
    ef_search: int = 200
    candidates: int = 100
    #: Hybrid's weight on cosine similarity; the rest goes to the passage's share of the
    #: query's words (tuned on the search-quality evaluation, docs/search-quality.md).
    vector_weight: float = 0.8


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
    kinds = allowed_kinds(reader.principal, kinds)
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
    (nearest, vector, strategy), keyword = await asyncio.gather(
        _vector_ranks(reader, query, embedder, tuning, where, pool)
        if use_vector
        else _skipped(([], None, "keyword")),
        _keyword_ranks(reader, query, where, pool) if use_keyword else _skipped([]),
    )
    # One statement reads every candidate of either leg with both of its scores, so a
    # passage found by one leg is scored by the other too, not assumed to be absent from it.
    candidates = list(dict.fromkeys([*nearest, *keyword]))
    rows = await _scored_chunks(reader, candidates, query, vector, use_keyword)
    vector_rank = {chunk_id: rank for rank, chunk_id in enumerate(nearest, start=1)}
    keyword_rank = {chunk_id: rank for rank, chunk_id in enumerate(keyword, start=1)}
    scored = _fuse(rows, use_vector, use_keyword, tuning)
    if mode == "vector":  # the index's own order (ties in id order), as the leg found it
        scored.sort(key=lambda item: vector_rank.get(item[1]["id"], len(vector_rank) + 1))
    passages = [
        Passage(row, score, vector_rank.get(row["id"]), keyword_rank.get(row["id"]))
        for score, row in scored[:first]
    ]
    return SemanticResult(passages, strategy)


def _fuse(
    rows: list[Row], use_vector: bool, use_keyword: bool, tuning: SearchTuning
) -> list[tuple[float, Row]]:
    """Each candidate's 0-1 score, best first (ties in id order).

    The vector score is the cosine similarity to the query (below zero counts as zero). The
    keyword leg's score is the candidate's cover density over the best one's among the
    candidates, so the strongest keyword match scores 1. Hybrid is the weighted mean of the
    similarity and the share of the query's words the passage contains: an absolute measure,
    so a passage sharing one common word with the question gains little even when it is the
    best keyword match there is (the relative score gave it the whole keyword weight, which is
    how keyword distractors pushed paraphrases out; docs/search-quality.md).
    """
    best_rank = max((float(r["keyword_rank"]) for r in rows), default=0.0) if use_keyword else 0.0
    both = use_vector and use_keyword
    weight = tuning.vector_weight if both else float(use_vector)
    scored = []
    for row in rows:
        similarity = max(0.0, float(row["similarity"])) if use_vector else 0.0
        if both:
            words = float(row["coverage"])
        else:
            words = float(row["keyword_rank"]) / best_rank if best_rank > 0 else 0.0
        scored.append((weight * similarity + (1 - weight) * words, row))
    scored.sort(key=lambda item: (-item[0], item[1]["id"]))
    return scored


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
) -> tuple[list[uuid.UUID], list[float] | None, str]:
    """The ``pool`` visible chunks nearest to ``query`` (equally near chunks, those sharing a
    vector, in id order), the query's vector and the strategy."""
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
        return list(found[0]["nearest"]), vector, "exact"
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
    return [r["id"] for r in rows], vector, "hnsw"


async def _keyword_ranks(
    reader: Reader, query: str, where: list[ColumnElement[bool]], pool: int
) -> list[uuid.UUID]:
    """Chunks containing any of the query's stemmed words, ranked by cover density.

    Cover density (``ts_rank_cd``) costs about 5 µs a row, and a question with a common word
    matches thousands of chunks on a large workspace (7,400 for the benchmark's question on the
    large preset: 39 ms of ranking). So the matches are first cut to the ``PRESELECT × pool``
    best by word frequency (``ts_rank``, six times cheaper), and cover density orders those.
    """
    any_word = _any_word(query)
    chunk = DocumentChunk
    preselected = (
        select(chunk.id, chunk.tsv)
        .where(*where, chunk.tsv.op("@@")(any_word))
        .order_by(func.ts_rank(chunk.tsv, any_word).desc(), chunk.id)
        .limit(pool * PRESELECT)
        .subquery("preselected")
    )
    rank = func.ts_rank_cd(preselected.c.tsv, any_word)
    rows = await reader.rows(
        select(preselected.c.id).order_by(rank.desc(), preselected.c.id).limit(pool)
    )
    return [r["id"] for r in rows]


def _any_word(query: str) -> ColumnElement[Any]:
    """The query's stemmed words, any of which may match (worked out once per execution)."""
    words = func.plainto_tsquery("english", query)
    return _once(func.to_tsquery("english", func.replace(cast(words, Text), "&", "|")))


def _once(value: ColumnElement[Any]) -> ColumnElement[Any]:
    """``value``, a function of the statement's parameters, computed once per execution.

    The statements are prepared once per connection, and from the sixth execution PostgreSQL
    may keep a generic plan, which cannot fold ``to_tsquery($n, …)`` into a constant: it then
    parses and stems the question again for every row that is matched or ranked (an admin's
    keyword leg on the large preset 10 → 51 ms). As an uncorrelated scalar subquery the value
    is an *InitPlan*, evaluated once, in generic and custom plans alike; and since no plan can
    see the words through it, both plans take the same shape (docs/performance.md, *Semantic
    search: one plan for every execution*).
    """
    return select(value).scalar_subquery()


async def _scored_chunks(
    reader: Reader,
    ids: list[uuid.UUID],
    query: str,
    vector: list[float] | None,
    use_keyword: bool,
) -> list[Row]:
    """The candidates' columns, their cosine similarity to ``vector`` (0 without one) and their
    cover density for the query's words (0 when not searched or no word matches)."""
    if not ids:
        return []
    c, stored = DocumentChunk, ChunkEmbedding
    similarity: ColumnElement[Any] = (
        func.coalesce(1 - stored.embedding.cosine_distance(vector), 0.0)
        if vector is not None
        else literal(0.0)
    )
    words: ColumnElement[Any] = (
        func.ts_rank_cd(c.tsv, _any_word(query)) if use_keyword else literal(0.0)
    )
    coverage: ColumnElement[Any] = _coverage(c.tsv, query) if use_keyword else literal(0.0)
    # The document is looked up per candidate (a LIMIT keeps the planner from flattening the
    # lateral): joined as a table, the planner hashed every visible document of the org (10,000
    # on the large preset, 20 ms for a team-book member) to find the documents of 200 chunks.
    document = (
        select(Document.title)
        .where(
            Document.org_id == c.org_id,
            Document.id == c.document_id,
            visible_documents(reader.principal),
        )
        .limit(1)
        .lateral("document")
    )
    statement = (
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
            document.c.title.label("document_title"),
            similarity.label("similarity"),
            words.label("keyword_rank"),
            coverage.label("coverage"),
        )
        .select_from(c)
        .join(document, true())
        .where(visible_chunks(reader.principal), c.id.in_(ids))
    )
    if vector is not None:
        statement = statement.outerjoin(
            stored, (stored.org_id == c.org_id) & (stored.text_hash == c.text_hash)
        )
    return await reader.rows(statement)


def _coverage(tsv: Any, query: str) -> ColumnElement[Any]:
    """The share (0-1) of the query's distinct stemmed words that occur in ``tsv``."""
    asked = _once(func.tsvector_to_array(func.to_tsvector("english", query)))
    lexeme = func.unnest(asked).table_valued("lexeme").render_derived()
    present = cast(func.tsvector_to_array(tsv), ARRAY(Text))
    matched = select(func.count()).select_from(lexeme).where(lexeme.c.lexeme == any_(present))
    total = func.greatest(func.coalesce(func.array_length(asked, 1), 0), 1)
    return cast(matched.scalar_subquery(), Float) / total


def timestamp(seconds: int | None) -> str | None:
    """``h:mm:ss`` / ``m:ss`` for a position in a recording."""
    if seconds is None:
        return None
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"
