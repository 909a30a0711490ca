"""Keyword search across the names and key fields of every type, ranked and typo-tolerant.

Each type contributes the visible rows whose searched columns are trigram-similar to the query
(``%`` / ``<%``, served by the trigram indexes) or start with it; rows are scored by trigram
similarity plus a bonus for a prefix match, and the union is ranked and paged. One statement
returns the page and the exact total.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Float,
    Select,
    String,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)

from accountlens.resolvers.errors import BadInputError, unknown_choice
from accountlens.resolvers.field_security import Hidden, hidden_fields
from accountlens.resolvers.narrowing import allowed_types
from accountlens.resolvers.paging import check_page_size
from accountlens.resolvers.reader import Reader
from accountlens.resolvers.registry import SEARCHABLE, SPECS
from accountlens.resolvers.values import like_pattern

MAX_QUERY = 200
MAX_OFFSET = 2**31
PREFIX_BONUS = 0.5
#: Free-text columns (subjects, titles) matched by word similarity only. Whole-string
#: similarity of a short query against a sentence almost never passes the threshold, yet its
#: index condition returns every row sharing a few trigrams for an expensive recheck (over a
#: thousand candidates per query on activity subjects at the medium preset, none kept).
SENTENCE_COLUMNS = frozenset(
    {("activity", "subject"), ("ticket", "subject"), ("task", "title"), ("document", "title")}
)


@dataclass(frozen=True, slots=True)
class Hit:
    type_key: str
    id: uuid.UUID
    score: float
    matched: str


@dataclass(slots=True)
class HitPage:
    hits: list[Hit]
    cursors: list[str]
    has_next: bool
    count: Callable[[], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class _Terms:
    """The query and its two LIKE patterns, each bound once however many branches use it."""

    query: BindParameter[str]
    prefix: BindParameter[str]
    word_prefix: BindParameter[str]

    @classmethod
    def of(cls, query: str) -> _Terms:
        return cls(
            bindparam("q", query, type_=String),
            bindparam("prefix", like_pattern(query) + "%", type_=String),
            bindparam("word_prefix", "% " + like_pattern(query) + "%", type_=String),
        )


def _branch(
    reader: Reader, type_key: str, terms: _Terms, hidden: Hidden
) -> Select[str, uuid.UUID, float, str]:
    spec = SPECS[type_key]
    query, prefix, word_prefix = terms.query, terms.prefix, terms.word_prefix
    scores: list[ColumnElement[float]] = []
    matches: list[ColumnElement[bool]] = []
    # A field hidden from the caller is not searched: a match on it would reveal its value.
    # The name column is never hideable, so every type keeps one searched column.
    concealed = {spec.fields[k].column.key for k in hidden.of(type_key) if k in spec.fields}
    for column in (c for c in spec.search_columns if c.key not in concealed):
        text = func.coalesce(column, "")
        scores.append(
            func.greatest(func.similarity(text, query), func.word_similarity(query, text))
            + case((text.ilike(prefix, escape="\\"), PREFIX_BONUS), else_=0.0)
        )
        if (type_key, column.key) not in SENTENCE_COLUMNS:
            matches.append(column.op("%")(query))
        matches += [
            query.op("<%")(column),
            column.ilike(prefix, escape="\\"),
            column.ilike(word_prefix, escape="\\"),
        ]
    score = func.greatest(*scores) if len(scores) > 1 else scores[0]
    return select(
        literal(type_key).label("type_key"),
        spec.id_column.label("id"),
        cast(score, Float).label("score"),
        spec.name_column.label("matched"),
    ).where(spec.visible(reader.principal), or_(*matches))


def _signature(query: str, types: Sequence[str]) -> str:
    return hashlib.sha256(f"{query}|{','.join(types)}".encode()).hexdigest()[:10]


def _offset(after: str | None, signature: str) -> int:
    if not after:
        return 0
    try:
        payload = json.loads(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)))
        offset = payload["o"]
        # Bounded: a forged offset past what PostgreSQL's OFFSET takes would fail the query.
        if payload["s"] == signature and isinstance(offset, int) and 0 <= offset <= MAX_OFFSET:
            return offset
    except (ValueError, KeyError, TypeError, binascii.Error):
        pass
    raise BadInputError("invalid cursor for this search", field="after")


def _cursor(offset: int, signature: str) -> str:
    raw = json.dumps({"s": signature, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def search(
    reader: Reader,
    query: str,
    types: Sequence[str] | None = None,
    first: int | None = None,
    after: str | None = None,
) -> HitPage:
    """Ranked visible records matching ``query`` among ``types`` (default: all searchable)."""
    query = " ".join(query.split())
    if not query:
        raise BadInputError("query must not be empty", field="query")
    if len(query) > MAX_QUERY:
        raise BadInputError(f"query longer than {MAX_QUERY} characters", field="query")
    narrowing = reader.principal.narrowing
    if types:
        chosen = list(dict.fromkeys(t.strip().lower() for t in types))
    else:  # every type the caller's connection may read (a narrowed one skips the others)
        chosen = [t for t in SEARCHABLE if narrowing.allows(t)]
    for type_key in chosen:
        if type_key not in SEARCHABLE:
            raise unknown_choice("searchable type", type_key, SEARCHABLE)
    allowed_types(reader.principal, chosen)
    limit = check_page_size(first)
    signature = _signature(query, chosen)
    offset = _offset(after, signature)
    hidden = await hidden_fields(reader)
    # One statement text per type set (and viewer shape): the terms are parameters bound once.
    terms = _Terms.of(query)
    branches = [_branch(reader, t, terms, hidden) for t in chosen]
    # The trigram matching is the whole cost, so it runs once: the matches are materialised and
    # both the page and the exact total are read from them in the same statement.
    matches = union_all(*branches).cte("matches").prefix_with("MATERIALIZED")
    total = select(func.count()).select_from(matches).scalar_subquery().label("_total")
    statement = (
        select(matches, total)
        .order_by(matches.c.score.desc(), matches.c.type_key, matches.c.id)
        .offset(offset)
        .limit(limit + 1)
    )
    rows = await reader.rows(statement) if limit else []
    hits = [Hit(r["type_key"], r["id"], float(r["score"]), str(r["matched"])) for r in rows[:limit]]
    known_total = int(rows[0]["_total"]) if rows else None

    async def count() -> int:
        if known_total is not None:
            return known_total
        counted = select(func.count()).select_from(union_all(*branches).subquery())
        return int(await reader.scalar(counted) or 0)

    cursors = [_cursor(offset + i + 1, signature) for i in range(len(hits))]
    return HitPage(hits, cursors, len(rows) > limit, count)
