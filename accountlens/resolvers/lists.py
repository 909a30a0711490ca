"""Generic reads of any registered type: filtered, sorted, keyset-paged lists and loads by id.

Every statement here starts from the type's visibility predicate; filters only narrow it.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    FromClause,
    Integer,
    Select,
    Uuid,
    any_,
    bindparam,
    func,
    literal,
    literal_column,
    select,
    true,
)

from accountlens.auth.bearer_query import PlanMode
from accountlens.auth.principal import Principal
from accountlens.resolvers.catalog import group_names
from accountlens.resolvers.field_security import Hidden, hidden_fields, projection
from accountlens.resolvers.fields import GROUP_FIELDS, Scope, normalize
from accountlens.resolvers.filters import Filter, compile_filters
from accountlens.resolvers.narrowing import require_type
from accountlens.resolvers.paging import (
    Sort,
    SortKey,
    after_predicate,
    check_page_size,
    compile_sort,
    cursor_encoder,
    decode_cursor,
    order_by,
)
from accountlens.resolvers.reader import Reader, Row
from accountlens.resolvers.registry import ObjectSpec, spec_for
from accountlens.resolvers.shapes import ShapeCache, Varying, hidden_key
from accountlens.resolvers.visibility import parametrized, per_row, shape_of, viewer_parameters


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
            keys = [c.key for c in target.columns]
            names = [f"{prefix}{key}" for key in keys]
            for row in rows:
                # Popped and paired in C (``map``/``zip``): a page pops ~1,000 such columns.
                related = dict(zip(keys, map(row.pop, names), strict=True))
                if row[column] is not None:
                    found = related if related["id"] is not None else None
                    reader.prefetched[(target.key, row[column])] = found
        return rows


def joined_references(
    spec: ObjectSpec, principal: Principal, hidden: Hidden, rows: FromClause | None = None
) -> JoinedReferences:
    """A ``LEFT JOIN LATERAL`` per user or account reference of ``spec``.

    Each lateral selects from its own table under the target type's visibility function (and
    correlates only with the rows of ``spec``: its table, or ``rows``, a page already cut), so
    a record the caller may not see comes back as ``NULL``s, exactly as its DataLoader would
    say ``None``; fields hidden from the caller are ``NULL`` there too, as in the target's own
    reads.
    """
    source: FromClause = spec.model.__table__ if rows is None else rows
    columns: list[ColumnElement[Any]] = []
    references: list[tuple[str, str, ObjectSpec]] = []
    for index, reference in enumerate(spec.fields.values()):
        if reference.data_type != "reference" or reference.target not in JOINED_TARGETS:
            continue
        target = spec_for(reference.target)
        if target.model is spec.model:
            continue
        pointer = reference.column if rows is None else rows.c[reference.column.key]
        lateral = (
            select(*projection(target, hidden.of(target.key)))
            .where(target.visible(per_row(principal)), target.id_column == pointer)
            .correlate(spec.model if rows is None else rows)
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


@dataclass(frozen=True, slots=True)
class _ListStatements:
    """A list's page and fallback count, for one shape of list (see :func:`_list_statements`)."""

    page: Select[Any]
    count: Select[Any]
    joined: JoinedReferences
    #: The parameters of the building call's own expressions in these statements, by position
    #: (``None``: not reusable, see :func:`_named`).
    names: tuple[str, ...] | None = ()


#: List statements kept: types × filter and sort shapes × hidden fields × viewer shapes.
LIST_CACHE_SIZE = 512
_lists: ShapeCache[_ListStatements] = ShapeCache(LIST_CACHE_SIZE)


@dataclass(frozen=True, slots=True)
class _ListRequest:
    """What one call asks of a list, as the statement builder needs it: the expressions built
    for this call (``where``: the caller's narrowing and filters, ``keys``, ``after``) and the
    flags that change the SQL."""

    spec: ObjectSpec
    object_type: str
    hidden: Hidden
    where: Sequence[ColumnElement[bool]]
    keys: Sequence[SortKey]
    after: ColumnElement[bool] | None
    with_total: bool
    cap: int
    #: Rows the page reads (one past the page, to tell whether another follows). Written into
    #: the statement, not bound: a generic plan cannot see a bound LIMIT and plans for a tenth
    #: of the table (an admin's 5 tickets: a sort of every ticket, 4.6 → 7.3 ms on medium).
    page_rows: int

    def expressions(self) -> list[ColumnElement[Any]]:
        """The expressions whose values differ between calls of one shape (:class:`Varying`)."""
        after = [self.after] if self.after is not None else []
        return [*self.where, *(k.expr for k in self.keys), *after]


def _list_statements(request: _ListRequest, shape: Principal) -> _ListStatements:
    """The statements of a list, built for callers of ``shape`` from ``request``'s expressions;
    see :mod:`shapes`."""
    spec, keys, cap = request.spec, request.keys, request.cap
    viewer = parametrized(shape)
    visible = [spec.visible(viewer), *request.where]
    paged = [*visible, request.after] if request.after is not None else visible
    labels = [k.expr.label(f"_k{i}") for i, k in enumerate(keys)]
    counted = select(func.count()).select_from(spec.model).where(*visible)
    if cap:
        # Count up to one past the cap: enough to know the total is at least the cap.
        matches = select(literal(1)).select_from(spec.model).where(*visible).limit(cap + 1)
        counted = select(func.count()).select_from(matches.subquery())
    if request.with_total:
        # The total rides in the page's round trip as an uncorrelated scalar subquery, which
        # PostgreSQL runs once (an InitPlan) while the page keeps its top-N index scan.
        labels.append(counted.correlate(None).scalar_subquery().label("_total"))
    # The page is cut first and its references joined after: a lateral runs per row it is
    # joined to, and joined before the cut it ran for every visible candidate of a sort that no
    # index serves (8 s for a restricted member's tickets of 'At Risk' accounts, large preset,
    # where the page holds 26 rows).
    cut = (
        select(*projection(spec, request.hidden.of(request.object_type)), *labels)
        .where(*paged)
        .order_by(*order_by(keys))
        .limit(literal_column(str(int(request.page_rows)), Integer))
        .subquery("_page")
    )
    joined = joined_references(spec, viewer, request.hidden, rows=cut)
    ranked = [SortKey(k.key, cut.c[f"_k{i}"], k.descending) for i, k in enumerate(keys)]
    page = select(*cut.c, *joined.columns).select_from(joined.source).order_by(*order_by(ranked))
    return _ListStatements(page, counted, joined)


def _cached_list(
    request: _ListRequest, principal: Principal
) -> tuple[_ListStatements, dict[str, Any]]:
    """The list's statements for the caller's shape (built at its first call) and this call's
    values for their parameters."""
    shape = shape_of(principal)
    values = viewer_parameters(principal)
    varying = Varying.of(request.expressions())
    if varying is None:  # not keyable: built for this call alone, its values in place
        return _list_statements(request, shape), values
    key = (
        request.spec.key, request.object_type, shape, hidden_key(request.hidden),
        len(request.where), tuple(k.descending for k in request.keys),
        request.after is not None, request.with_total, request.cap, request.page_rows,
        varying.shape,
    )  # fmt: skip
    statements = _lists.get(key, lambda: _named(_list_statements(request, shape), varying))
    if statements.names is None:  # the built statements renamed a parameter: not reusable
        return _list_statements(request, shape), values
    return statements, values | varying.values(statements.names)


def _named(statements: _ListStatements, varying: Varying) -> _ListStatements:
    """``statements`` with the names its call's parameters have in them (``None`` when one is
    missing: SQLAlchemy cloned it under another name, so later calls could not bind it)."""
    present = {b.key for s in (statements.page, statements.count) for b in _binds(s)}
    names = varying.names if set(varying.names) <= present else None
    return dataclasses.replace(statements, names=names)


def _binds(statement: Select[Any]) -> list[BindParameter[Any]]:
    key = statement._generate_cache_key()
    return list(key.bindparams) if key is not None else []


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
    The statement is built once per shape of list (:mod:`~accountlens.resolvers.shapes`):
    the type, the fields hidden from the caller, the structure of the filters, sort keys and
    cursor, whether the total is read along, and the caller's shape; this call's values are
    its parameters.
    """
    spec = spec_for(type_key)
    require_type(reader.principal, type_key)
    object_type = object_type or spec.key
    first = check_page_size(query.first)
    scope = await filter_scope(reader, object_type, filters=query.filters)
    where = [*narrowing, *compile_filters(spec, object_type, query.filters, scope)]
    keys = compile_sort(spec, object_type, query.sort, scope)
    after = after_predicate(keys, decode_cursor(keys, query.after)) if query.after else None
    hidden = await hidden_fields(reader)
    request = _ListRequest(
        spec, object_type, hidden, where, keys, after, query.with_total, reader.total_cap,
        first + 1,
    )  # fmt: skip
    statements, values = _cached_list(request, reader.principal)
    joined = statements.joined
    # Unfiltered, a page's parameters are the org, the viewer, a cursor and a limit: planned
    # alike for any of them. A filter's value may change the plan (a rare or common stage).
    plan: PlanMode = "usual" if query.filters else "generic"
    page = await reader.rows(statements.page, values, plan=plan) if first else []
    rows = joined.split(reader, page) if first else []
    known: int | None = None
    if query.with_total and rows:
        known = int(rows[0]["_total"])
    elif query.with_total and first and not query.after:
        known = 0  # the first page of the whole set is empty: so is the set
    for row in rows:
        row.pop("_total", None)
    has_next = len(rows) > first
    rows = rows[:first]
    encode = cursor_encoder(keys)
    names = [f"_k{i}" for i in range(len(keys))]
    cursors = [encode([row.pop(name) for name in names]) for row in rows]

    async def count() -> int:
        nonlocal known
        if known is None:  # totalCount and totalIsLowerBound both ask: count once
            counted = await reader.rows(statements.count, values)
            known = int(next(iter(counted[0].values())) or 0) if counted else 0
        return known

    return Page(rows, cursors, has_next, bool(query.after), count, reader.total_cap)


#: Loads by id and children by parent kept: types × hidden fields × viewer shapes.
LOAD_CACHE_SIZE = 256
_loads: ShapeCache[tuple[Select[Any], JoinedReferences]] = ShapeCache(LOAD_CACHE_SIZE)
_children: ShapeCache[Select[Any]] = ShapeCache(LOAD_CACHE_SIZE)
IDS = "ids"
PER_PARENT = "per_parent"


def _load_statement(
    spec: ObjectSpec, shape: Principal, hidden: Hidden
) -> tuple[Select[Any], JoinedReferences]:
    viewer = per_row(parametrized(shape))  # at most 50 ids
    joined = joined_references(spec, viewer, hidden)
    # One array parameter for any number of ids: one statement text, prepared once.
    ids = bindparam(IDS, type_=ARRAY(Uuid()))
    statement = (
        select(*projection(spec, hidden.of(spec.key)), *joined.columns)
        .select_from(joined.source)
        .where(spec.visible(viewer), spec.id_column == any_(ids))
    )
    return statement, joined


async def load_records(reader: Reader, type_key: str, ids: Sequence[uuid.UUID]) -> list[Row | None]:
    """Visible records by id, in the order asked; ``None`` where missing or invisible."""
    spec = spec_for(type_key)
    if not ids:
        return []
    hidden = await hidden_fields(reader)
    # As a Viewer the principal takes its org mode's cheap predicates (reading the org row
    # costs no statement when the bearer check read it).
    await reader.org()
    principal = reader.principal
    shape = shape_of(principal)
    statement, joined = _loads.get(
        (spec.key, shape, hidden_key(hidden)), lambda: _load_statement(spec, shape, hidden)
    )
    values = viewer_parameters(principal) | {IDS: list(dict.fromkeys(ids))}
    rows = await reader.rows(statement, values, plan="generic")  # keys and the viewer only
    by_id = {row["id"]: row for row in joined.split(reader, rows)}
    return [by_id.get(i) for i in ids]


def _children_statement(
    spec: ObjectSpec, parent_column: str, keys: Sequence[SortKey], shape: Principal, hidden: Hidden
) -> Select[Any]:
    viewer = parametrized(shape)
    parent = getattr(spec.model, parent_column)
    rank = func.row_number().over(partition_by=parent, order_by=order_by(keys)).label("_rank")
    parents = bindparam(IDS, type_=ARRAY(Uuid()))
    inner = (
        select(*projection(spec, hidden.of(spec.key)), rank)
        .where(spec.visible(viewer), parent == any_(parents))
        .subquery()
    )
    return (
        select(inner)
        .where(inner.c._rank <= bindparam(PER_PARENT, type_=Integer))
        .order_by(inner.c[parent_column], inner.c._rank)
    )


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
    # The default order: the type's, less keys hidden from the caller (in the key below).
    keys = compile_sort(spec, spec.key, (), scope)
    hidden = await hidden_fields(reader)
    principal = reader.principal
    shape = shape_of(principal)
    statement = _children.get(
        (spec.key, parent_column, shape, hidden_key(hidden)),
        lambda: _children_statement(spec, parent_column, keys, shape, hidden),
    )
    parents = {IDS: list(dict.fromkeys(parent_ids)), PER_PARENT: first}
    values = viewer_parameters(principal) | parents
    rows = await reader.rows(statement, values)
    grouped: dict[uuid.UUID, list[Row]] = {}
    for row in rows:
        row.pop("_rank")
        grouped.setdefault(row[parent_column], []).append(row)
    return [grouped.get(i, []) for i in parent_ids]
