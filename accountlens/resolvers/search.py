"""Keyword search across the names and key fields of every type, ranked and typo-tolerant.

Each type contributes the visible rows whose searched columns are trigram-similar to the query
(``%`` / ``<%``, served by the trigram indexes) or start with it; rows are scored by trigram
similarity plus a bonus for a prefix match, and the union is ranked and paged. One statement
returns the page, the total, and each hit's record with the records it points at (owner,
account), so the hits' nodes are read without a statement of their own.

Each type reads at most ``cap`` candidates per tier (``ACCOUNTLENS_SEARCH_CANDIDATE_CAP``), so a
query sharing a word with half the records costs a bounded read, not one scored row per match;
the total is then a lower bound and says so (see :func:`_tiers` for why exact and prefix
matches of the name survive the cut).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
)

from accountlens.auth.bearer_query import PlanMode
from accountlens.auth.principal import Principal
from accountlens.resolvers.errors import BadInputError, unknown_choice
from accountlens.resolvers.field_security import Hidden, hidden_fields, projection
from accountlens.resolvers.lists import JoinedReferences, joined_references
from accountlens.resolvers.narrowing import allowed_types
from accountlens.resolvers.paging import check_page_size
from accountlens.resolvers.reader import Reader, Row
from accountlens.resolvers.registry import SEARCHABLE, SPECS, Attr
from accountlens.resolvers.shapes import ShapeCache, hidden_key
from accountlens.resolvers.values import like_pattern
from accountlens.resolvers.visibility import (
    parametrized,
    reads_whole_book,
    shape_of,
    viewer_parameters,
)

MAX_QUERY = 200
MAX_OFFSET = 2**31
PREFIX_BONUS = 0.5
#: Search statements kept (:func:`_statements`): type sets × hidden fields × viewer shapes.
STATEMENT_CACHE_SIZE = 256
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
    #: ``(total, is_lower_bound)``: the matches counted, and whether a type's read stopped at
    #: the candidate cap (then at least ``total`` records match).
    count: Callable[[], Awaitable[tuple[int, bool]]]


@dataclass(frozen=True, slots=True)
class _Terms:
    """The query and its two LIKE patterns: parameters, each bound once per statement."""

    query: BindParameter[str]
    prefix: BindParameter[str]
    word_prefix: BindParameter[str]

    @classmethod
    def parameters(cls) -> _Terms:
        return cls(
            bindparam("q", type_=String),
            bindparam("prefix", type_=String),
            bindparam("word_prefix", type_=String),
        )

    @staticmethod
    def values(query: str) -> dict[str, str]:
        return {
            "q": query,
            "prefix": like_pattern(query) + "%",
            "word_prefix": "% " + like_pattern(query) + "%",
        }


def _name_prefix(name: Attr, terms: _Terms) -> ColumnElement[bool]:
    """``name ILIKE prefix``, in a form a btree index range-scans even in a generic plan.

    ILIKE compares the lowered strings, so the names it keeps are those whose lowered form
    starts with ``lower(query)``; in byte order (``~>=~``, ``~<~``: ``text_pattern_ops``) they
    lie from ``lower(query)`` up to ``lower(query) || U+10FFFF``, the greatest code point. The
    range's bounds are expressions of a parameter, which an index scan evaluates at run time,
    where a LIKE pattern parameter gives a generic plan no index bounds and leaves the trigram
    index (migration 0025). ``lower`` is PostgreSQL's, in the column's collation, as ILIKE's is:
    Python's ``str.lower`` folds some letters differently. The ILIKE stays and decides, the
    range only narrows the read, and the other tier takes this condition's negation: the tier
    holds ILIKE's names, but for one that goes on with U+10FFFF right after the query, which
    falls outside the range and is found by the other tier, scored alike.
    """
    folded = func.lower(name)
    floor = func.lower(terms.query)
    ceiling = floor.concat(literal_column("chr(1114111)", String))
    # PostgreSQL gives ``~<~`` and ``||`` one precedence: a high one here parenthesises the bound.
    return and_(
        name.ilike(terms.prefix, escape="\\"),
        folded.op("~>=~", precedence=100, is_comparison=True)(floor),
        folded.op("~<~", precedence=100, is_comparison=True)(ceiling),
    )


def _tiers(
    viewer: Principal,
    type_key: str,
    terms: _Terms,
    concealed: frozenset[str],
    candidates: BindParameter[int],
) -> tuple[Select[Any], Select[Any]]:
    """The type's two capped reads: rows whose name starts with the query, then the others.

    A read capped at ``candidates`` rows keeps whichever rows the index hands over first, so
    a plain ``LIMIT`` on all matches could drop the best one (a query matching a word in 40k
    opportunity names would keep an arbitrary thousand). The name-prefix matches (which carry
    the prefix bonus, and include an exact match of the name) are read in their own capped
    tier, so they are lost only when more than ``candidates`` records of one type start with
    the query; the second tier, every other match, excludes them so nothing is counted twice.
    Ordering the whole read by score instead would need every match scored, which is the cost
    the cap removes (docs/performance.md).
    """
    spec = SPECS[type_key]
    query, prefix, word_prefix = terms.query, terms.prefix, terms.word_prefix
    scores: list[ColumnElement[float]] = []
    matches: list[ColumnElement[bool]] = []
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
    name_prefix = _name_prefix(spec.name_column, terms)

    def tier(rank: int, *where: ColumnElement[bool]) -> Select[Any]:
        matching = (
            select(
                literal(type_key).label("type_key"),
                spec.id_column.label("id"),
                cast(score, Float).label("score"),
                spec.name_column.label("matched"),
                literal(rank).label("tier"),
            )
            .where(spec.visible(viewer), *where)
            .cte(f"{type_key}_{rank}")
            .prefix_with("MATERIALIZED")
        )
        # The LIMIT sits outside a materialised CTE on purpose. Inside, it gives the planner a
        # row goal, and it then trades the trigram index for a scan that "stops early" (a
        # sequential scan of opportunities and tasks on the medium preset), which for a rare
        # query reads every row of the org through the trigram operators. A CTE is planned
        # for all its rows (index-served) yet run lazily: the LIMIT still stops it.
        return select(matching).limit(candidates)

    # The name column is never NULL where it is searched (nor is the query), so the negation of
    # the name-prefix condition is its exact complement.
    return tier(0, name_prefix), tier(1, or_(*matches), ~name_prefix)


def _concealed(type_key: str, hidden: Hidden) -> frozenset[str]:
    """The searched columns of ``type_key`` hidden from the caller: a match on one would
    reveal its value, so they are not searched. The name column is never hideable, so every
    type keeps one searched column."""
    spec = SPECS[type_key]
    columns = {spec.fields[k].column.key for k in hidden.of(type_key) if k in spec.fields}
    return frozenset(c.key for c in spec.search_columns if c.key in columns)


@dataclass(frozen=True, slots=True)
class _HitRecords:
    """Where one type's hit records sit in a page's row: the record's columns under
    ``names`` (``keys`` in the record), the records they point at under ``joined``'s names."""

    keys: tuple[str, ...]
    names: tuple[str, ...]
    joined: JoinedReferences

    def record(self, row: Row) -> Row:
        """The hit's record as a load by id reads it, with its joined references' columns."""
        return dict(zip(self.keys, map(row.__getitem__, self.names), strict=True))


@dataclass(frozen=True, slots=True)
class _Statements:
    """A search's page statement and its fallback count, for one shape of search."""

    page: Select[Any]
    count: Select[Any]
    records: dict[str, _HitRecords]


_statements: ShapeCache[_Statements] = ShapeCache(STATEMENT_CACHE_SIZE)


def _build(types: tuple[str, ...], hidden: Hidden, shape: Principal) -> _Statements:
    """The statements of a search over ``types`` for callers of ``shape``, built once.

    Building the thirteen-branch union with SQLAlchemy (each branch with its type's
    visibility predicate) and deriving its cache key cost more CPU than PostgreSQL spends
    answering a typical search; a statement kept here keeps its memoized cache key too, so
    :mod:`~accountlens.resolvers.compiled` finds its compiled text at once. Everything that
    differs between calls of one shape is a parameter: the caller's org, user and book
    (:func:`~accountlens.resolvers.visibility.parametrized`), the query terms, the offset
    and the limit.
    """
    viewer = parametrized(shape)
    terms = _Terms.parameters()
    # Each tier reads one row past the cap, so a read that stopped there is told apart from one
    # that found exactly ``cap`` matches; NULL (no cap) reads everything.
    candidates = bindparam("candidates", type_=Integer)
    branches = [
        read for t in types for read in _tiers(viewer, t, terms, _concealed(t, hidden), candidates)
    ]
    # The trigram matching is the whole cost, so it runs once: the matches are materialised and
    # both the page and the total are read from them in the same statement.
    matches = union_all(*branches).cte("matches").prefix_with("MATERIALIZED")
    total = select(func.count()).select_from(matches).scalar_subquery().label("_total")
    full_reads = (
        select(literal(1))
        .select_from(matches)
        .group_by(matches.c.type_key, matches.c.tier)
        .having(func.count() >= candidates)
    )
    capped = full_reads.exists().label("_capped")
    hits = (
        select(matches, total, capped)
        .order_by(matches.c.score.desc(), matches.c.type_key, matches.c.id)
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
        .subquery("hits")
    )
    # The page is cut first and its records joined after, one lateral per type: the hit's
    # row as a load by id reads it (lists.load_records: its projection, with the fields hidden
    # from the caller NULL, and the records it points at, each through its type's visibility),
    # by the id of a hit of that type (a hit of another type skips it at once). The hit itself
    # passed its type's visibility in ``matches``, within this statement's snapshot: the
    # lateral reads the row found there by its org and id, so the predicate is not repeated
    # (it would only lengthen the statement and its planning; a member's is ~10 KiB longer
    # with it). The org is named all the same: on Citus it routes the statement to the org's
    # shard, and it leads the tables' primary keys (org_id, id).
    # ``LIMIT 1`` (one row by id) keeps each lateral a subquery run per hit: pulled up into a
    # plain join, a generic plan hashed whole tables (every account of the org) for 25 hits.
    source: Any = hits
    columns: list[ColumnElement[Any]] = []
    records: dict[str, _HitRecords] = {}
    for index, type_key in enumerate(types):
        spec = SPECS[type_key]
        joined = joined_references(spec, viewer, hidden)
        read = [*projection(spec, hidden.of(type_key)), *joined.columns]
        keys = tuple(str(c.key) for c in read)
        names = tuple(f"_h{index}_{key}" for key in keys)
        record = (
            select(*(c.label(name) for c, name in zip(read, names, strict=True)))
            .select_from(joined.source)
            .where(
                hits.c.type_key == type_key,
                spec.model.org_id == viewer.org_id,
                spec.id_column == hits.c.id,
            )
            .correlate(hits)
            .limit(1)
            .lateral(f"_hit{index}")
        )
        source = source.outerjoin(record, true())
        columns += record.c
        records[type_key] = _HitRecords(keys, names, joined)
    page = (
        select(hits.c.type_key, hits.c.id, hits.c.score, hits.c.matched, hits.c._total)
        .add_columns(hits.c._capped, *columns)
        .select_from(source)
        .order_by(hits.c.score.desc(), hits.c.type_key, hits.c.id)
    )
    return _Statements(page, select(total, capped), records)


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


def _candidates(cap: int) -> int | None:
    """The ``candidates`` parameter for a cap (0: none, every match is read)."""
    return cap + 1 if cap else None


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
    # The org's mode (and a member's small book) first, so the predicates take their exact
    # cheap form: none for an open org, the book as one array for a restricted member. Free
    # when the bearer check read the org row for an admin or an open org; one statement for a
    # restricted member, which the narrower plan repays (docs/performance.md).
    await reader.org()
    hidden = await hidden_fields(reader)
    # One statement per type set, hidden fields and viewer shape; this call's values (the
    # caller's ids, the query terms, the page) are its parameters.
    principal = reader.principal
    shape = shape_of(principal)
    statements = _statements.get(
        (tuple(chosen), hidden_key(hidden), shape), lambda: _build(tuple(chosen), hidden, shape)
    )
    values = viewer_parameters(principal) | _Terms.values(query)
    values["candidates"] = _candidates(reader.search_cap)
    page = {**values, "offset": offset, "limit": limit + 1}
    # A member whose book is read in the statement gets a plan made for this call's words:
    # PostgreSQL's generic plan of that statement read a team-book member's searches at
    # 1.2–1.6× the time. For everyone else the generic plan is as fast or faster (planning the
    # 13-type statement anew costs a narrow book's search 13 ms), so theirs keeps the one the
    # bearer check chose (docs/performance.md, *Keyword search: which plan*).
    plan: PlanMode = "custom" if reads_whole_book(principal) else "generic"
    rows = await reader.rows(statements.page, page, plan=plan) if limit else []
    hits = [Hit(r["type_key"], r["id"], float(r["score"]), str(r["matched"])) for r in rows[:limit]]
    _prefetch(reader, statements.records, hits, rows)
    known = (int(rows[0]["_total"]), bool(rows[0]["_capped"])) if rows else None
    if known is None and limit and not offset:
        known = (0, False)  # the first page read every match there is: none
    counting = asyncio.Lock()

    async def count() -> tuple[int, bool]:
        nonlocal known
        async with counting:  # totalCount and totalIsLowerBound both ask, at once: count once
            if known is None:
                counted = await reader.rows(statements.count, values, plan=plan)
                row = counted[0] if counted else {"_total": 0, "_capped": False}
                known = (int(row["_total"]), bool(row["_capped"]))
        return known

    cursors = [_cursor(offset + i + 1, signature) for i in range(len(hits))]
    return HitPage(hits, cursors, len(rows) > limit, count)


def _prefetch(
    reader: Reader, records: dict[str, _HitRecords], hits: list[Hit], rows: list[Row]
) -> None:
    """Hand each hit's record (``None`` if no longer visible) and the records it points at to
    the reader, where the hits' nodes find them as a load by id would have read them."""
    for hit, row in zip(hits, rows, strict=False):
        place = records[hit.type_key]
        (found,) = place.joined.split(reader, [place.record(row)])
        reader.prefetched[(hit.type_key, hit.id)] = found if found["id"] is not None else None
