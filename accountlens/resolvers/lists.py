"""Generic reads of any registered type: filtered, sorted, keyset-paged lists and loads by id.

Every statement here starts from the type's visibility predicate; filters only narrow it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, FromClause, func, literal, select, true

from accountlens.auth.principal import Principal
from accountlens.resolvers.catalog import group_names
from accountlens.resolvers.field_security import Hidden, hidden_fields, projection
from accountlens.resolvers.fields import GROUP_FIELDS, Scope, normalize
from accountlens.resolvers.filters import Filter, compile_filters
from accountlens.resolvers.narrowing import require_type
from accountlens.resolvers.paging import (
    Sort,
    after_predicate,
    check_page_size,
    compile_sort,
    decode_cursor,
    encode_cursor,
    order_by,
)
from accountlens.resolvers.reader import Reader, Row
from accountlens.resolvers.registry import ObjectSpec, spec_for


@dataclass(frozen=True, slots=True)
class ListQuery:
    filters: Sequence[Filter] = ()
    sort: Sequence[Sort] = ()
    first: int | None = None
    after: str | None = None
    with_total: bool = False
    """Read the exact total in the page's statement (the caller selected it)."""


@dataclass(slots=True)
class Page:
    """One page of rows with their cursors; ``count`` runs the total only when asked.

    With a ``cap``, ``count`` stops counting past it: :meth:`total` then says ``cap`` and that
    it is a lower bound, so counting a million visible rows never holds a connection for seconds.
    """

    rows: list[Row]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    count: Callable[[], Awaitable[int]] = field(repr=False)
    cap: int = 0

    async def total(self) -> tuple[int, bool]:
        """``(total, is_lower_bound)``: exact below the cap, else the cap and ``True``."""
        counted = await self.count()
        if self.cap and counted > self.cap:
            return self.cap, True
        return counted, False

    @property
    def start_cursor(self) -> str | None:
        return self.cursors[0] if self.cursors else None

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


#: References read in the same statement as the records that point at them (owners, accounts,
#: requesters):
#: the related record's resolver then finds it on the reader instead of running a statement.
JOINED_TARGETS = ("user", "account", "person")


@dataclass(frozen=True, slots=True)
class JoinedReferences:
    """Laterals that read each row's referenced records, through their types' visibility."""

    source: FromClause
    columns: list[ColumnElement[Any]]
    references: list[tuple[str, str, ObjectSpec]]  # (prefix, referencing column, target)

    def split(self, reader: Reader, rows: list[Row]) -> list[Row]:
        """Move each row's joined records onto the reader (``None`` where invisible)."""
        for prefix, column, target in self.references:
            names = [(f"{prefix}{c.key}", c.key) for c in target.columns]
            for row in rows:
                related = {key: row.pop(name) for name, key in names}
                if row[column] is not None:
                    found = related if related["id"] is not None else None
                    reader.prefetched[(target.key, row[column])] = found
        return rows


def joined_references(spec: ObjectSpec, principal: Principal, hidden: Hidden) -> JoinedReferences:
    """A ``LEFT JOIN LATERAL`` per user or account reference of ``spec``.

    Each lateral selects from its own table under the target type's visibility function (and
    correlates only with ``spec``'s table), so a record the caller may not see comes back as
    ``NULL``s, exactly as its DataLoader would say ``None``; fields hidden from the caller are
    ``NULL`` there too, as in the target's own reads.
    """
    source: FromClause = spec.model.__table__
    columns: list[ColumnElement[Any]] = []
    references: list[tuple[str, str, ObjectSpec]] = []
    for index, reference in enumerate(spec.fields.values()):
        if reference.data_type != "reference" or reference.target not in JOINED_TARGETS:
            continue
        target = spec_for(reference.target)
        if target.model is spec.model:
            continue
        lateral = (
            select(*projection(target, hidden.of(target.key)))
            .where(target.visible(principal), target.id_column == reference.column)
            .correlate(spec.model)
            .lateral(f"_ref{index}")
        )
        source = source.outerjoin(lateral, true())
        prefix = f"_r{index}_"
        columns.extend(lateral.c[c.key].label(f"{prefix}{c.key}") for c in target.columns)
        references.append((prefix, reference.column.key, target))
    return JoinedReferences(source, columns, references)


async def filter_scope(reader: Reader, *object_types: str, filters: Sequence[Filter] = ()) -> Scope:
    """Everything filter compilation needs for this request (cached on the reader).

    The org's group names are loaded only when a filter tests group membership, so that an
    unknown group name can be refused with the valid ones instead of matching nothing.
    """
    org = await reader.org()
    hidden = await hidden_fields(reader)
    custom = {
        t: {k: v for k, v in (await reader.custom_fields(t)).items() if k not in hidden.of(t)}
        for t in {*object_types, "account"}
    }
    groups = None
    if any(normalize(f.field).rpartition(".")[2] in GROUP_FIELDS for f in filters):
        groups = tuple(await group_names(reader))
    return Scope(
        principal=reader.principal,
        tz=org.zone,
        custom=custom,
        groups=groups,
        hidden=hidden.by_type,
    )


async def list_records(
    reader: Reader,
    type_key: str,
    query: ListQuery,
    *,
    object_type: str | None = None,
    narrowing: Iterable[ColumnElement[bool]] = (),
) -> Page:
    """A page of visible records of one type.

    ``object_type`` names whose custom fields apply (``custom:<key>`` for custom objects);
    ``narrowing`` adds predicates a caller derived itself (e.g. "of this custom type").
    """
    spec = spec_for(type_key)
    require_type(reader.principal, type_key)
    object_type = object_type or spec.key
    first = check_page_size(query.first)
    scope = await filter_scope(reader, object_type, filters=query.filters)
    where = [
        spec.visible(reader.principal),
        *narrowing,
        *compile_filters(spec, object_type, query.filters, scope),
    ]
    keys = compile_sort(spec, object_type, query.sort, scope)
    paged = list(where)
    if query.after:
        paged.append(after_predicate(keys, decode_cursor(keys, query.after)))
    labels = [k.expr.label(f"_k{i}") for i, k in enumerate(keys)]
    counted = select(func.count()).select_from(spec.model).where(*where)
    cap = reader.total_cap
    if cap:
        # Count up to one past the cap: enough to know the total is at least the cap.
        matches = select(literal(1)).select_from(spec.model).where(*where).limit(cap + 1)
        counted = select(func.count()).select_from(matches.subquery())
    if query.with_total:
        # The total rides in the page's round trip as an uncorrelated scalar subquery, which
        # PostgreSQL runs once (an InitPlan) while the page keeps its top-N index scan.
        labels.append(counted.correlate(None).scalar_subquery().label("_total"))
    hidden = await hidden_fields(reader)
    joined = joined_references(spec, reader.principal, hidden)
    statement = (
        select(*projection(spec, hidden.of(object_type)), *labels, *joined.columns)
        .select_from(joined.source)
        .where(*paged)
        .order_by(*order_by(keys))
        .limit(first + 1)
    )
    rows = joined.split(reader, await reader.rows(statement)) if first else []
    known: int | None = None
    if query.with_total and rows:
        known = int(rows[0]["_total"])
    elif query.with_total and first and not query.after:
        known = 0  # the first page of the whole set is empty: so is the set
    for row in rows:
        row.pop("_total", None)
    has_next = len(rows) > first
    rows = rows[:first]
    cursors = []
    for row in rows:
        cursors.append(encode_cursor(keys, [row.pop(f"_k{i}") for i in range(len(keys))]))

    async def count() -> int:
        nonlocal known
        if known is None:  # totalCount and totalIsLowerBound both ask: count once
            known = int(await reader.scalar(counted) or 0)
        return known

    return Page(rows, cursors, has_next, bool(query.after), count, cap)


async def load_records(reader: Reader, type_key: str, ids: Sequence[uuid.UUID]) -> list[Row | None]:
    """Visible records by id, in the order asked; ``None`` where missing or invisible."""
    spec = spec_for(type_key)
    if not ids:
        return []
    hidden = await hidden_fields(reader)
    joined = joined_references(spec, reader.principal, hidden)
    rows = await reader.rows(
        select(*projection(spec, hidden.of(spec.key)), *joined.columns)
        .select_from(joined.source)
        .where(spec.visible(reader.principal), spec.id_column.in_(set(ids)))
    )
    by_id = {row["id"]: row for row in joined.split(reader, rows)}
    return [by_id.get(i) for i in ids]


async def load_children(
    reader: Reader,
    spec: ObjectSpec,
    parent_column: str,
    parent_ids: Sequence[uuid.UUID],
    first: int,
) -> list[list[Row]]:
    """Up to ``first`` visible records per parent (e.g. an account's people), in default order.

    One statement for all parents: a window function numbers rows within each parent.
    """
    if not parent_ids:
        return []
    scope = await filter_scope(reader, spec.key)
    keys = compile_sort(spec, spec.key, (), scope)
    parent = getattr(spec.model, parent_column)
    rank = func.row_number().over(partition_by=parent, order_by=order_by(keys)).label("_rank")
    hidden = await hidden_fields(reader)
    inner = (
        select(*projection(spec, hidden.of(spec.key)), rank)
        .where(spec.visible(reader.principal), parent.in_(set(parent_ids)))
        .subquery()
    )
    rows = await reader.rows(
        select(inner).where(inner.c._rank <= first).order_by(inner.c[parent_column], inner.c._rank)
    )
    grouped: dict[uuid.UUID, list[Row]] = {}
    for row in rows:
        row.pop("_rank")
        grouped.setdefault(row[parent_column], []).append(row)
    return [grouped.get(i, []) for i in parent_ids]
