"""Reads run straight on asyncpg, each statement shape compiled once and kept as SQL text.

Resolvers build statements with SQLAlchemy Core; running one through ``AsyncConnection.execute``
then costs about a millisecond of CPU that is not the database's: an execution context, a
cursor adapter, a result object and its row proxies, per statement. Here the statement is
compiled once per *shape* (SQLAlchemy's own cache key: the same tree with other values is
the same shape) into a :class:`Plan` — the SQL text with ``$n`` placeholders, the order of
its parameters and the type processors of its parameters and columns — and each call only
extracts this call's values, sends the text and its arguments on the request's asyncpg
connection, and turns the records into plain dicts.

The text is identical from call to call, so asyncpg's statement cache (when it is on) prepares
it once per connection; behind PgBouncer in transaction mode the cache is off and asyncpg
uses the unnamed statement (``accountlens/db/engine.py``), which no other transaction sees.
An ``IN`` list is rendered per call with one placeholder per value (SQLAlchemy's "expanding"
parameters), exactly as ``execute`` would.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine

Row = dict[str, Any]
Processor = Callable[[Any], Any]


@dataclass(slots=True)
class Plan:
    """What running one compiled statement needs, worked out once per compiled statement."""

    text: str
    positions: tuple[str, ...]
    binds: Mapping[str, Processor]
    expands: bool
    #: The selected columns' types, for their result processors.
    types: tuple[TypeEngine[Any], ...]
    #: One result processor per selected column (``None``: the value as asyncpg decoded it);
    #: unset until the server's column types are known where a processor depends on them.
    results: tuple[Processor | None, ...] | None = None

    def resolve(self, dialect: Dialect, column_oids: Sequence[int | None]) -> None:
        """Pick each column's result processor by its server type (numeric vs float …)."""
        oids = (
            list(column_oids) if len(column_oids) == len(self.types) else [None] * len(self.types)
        )
        self.results = tuple(
            t._cached_result_processor(dialect, oid)
            for t, oid in zip(self.types, oids, strict=True)
        )


#: Plans by compiled statement; a compiled statement leaves SQLAlchemy's LRU cache, its plan goes.
_plans: weakref.WeakKeyDictionary[SQLCompiler, Plan] = weakref.WeakKeyDictionary()


def bound(
    statement: Executable,
    params: Mapping[str, Any] | None,
    dialect: Dialect,
    cache: Any,
) -> tuple[str, list[Any], Plan]:
    """The SQL text and positional arguments of ``statement`` with this call's values.

    ``cache`` is the engine's compiled cache (``engine._compiled_cache``, bounded by the
    engine's ``query_cache_size``): a shape is compiled the first time it is seen.
    """
    if not isinstance(statement, ClauseElement):
        raise TypeError(f"not a Core statement: {type(statement).__name__}")
    compiled, extracted, collected, _ = statement._compile_w_cache(
        dialect=dialect,
        compiled_cache=cache,
        column_keys=sorted(params) if params else [],
        for_executemany=False,
        schema_translate_map=None,
    )
    if not isinstance(compiled, SQLCompiler):
        raise TypeError(f"not a SQL statement: {type(statement).__name__}")
    plan = _plans.get(compiled)
    if plan is None:
        plan = _plans[compiled] = _plan(compiled, dialect)
    values = compiled.construct_params(
        dict(params) if params else None,
        escape_names=False,
        extracted_parameters=extracted,
        _collected_params=collected,
    )
    text, positions, binds = plan.text, plan.positions, plan.binds
    if plan.expands:
        state = compiled._process_parameters_for_postcompile(values)
        text, positions = state.statement, tuple(state.positiontup or ())
        binds = {**binds, **state.processors}
    arguments = [binds[k](values[k]) if k in binds else values[k] for k in positions]
    return text, arguments, plan


def _plan(compiled: SQLCompiler, dialect: Dialect) -> Plan:
    if not compiled.positional:
        raise TypeError("the asyncpg dialect renders positional ($n) parameters")
    plan = Plan(
        text=compiled.string,
        positions=tuple(compiled.positiontup or ()),
        binds=dict(compiled._bind_processors),  # type: ignore[arg-type]  # flat for our reads
        expands=bool(compiled.literal_execute_params or compiled.post_compile_params),
        types=tuple(entry.type for entry in compiled._result_columns or ()),
    )
    try:
        plan.resolve(dialect, ())
    except TypeError:
        plan.results = None  # a numeric column's processor depends on the server's type
    return plan


def as_rows(records: Sequence[Any], plan: Plan) -> list[Row]:
    """asyncpg records as dicts keyed by column name, values through their type processors."""
    if not records:
        return []
    keys = tuple(records[0].keys())
    processors = plan.results if plan.results and len(plan.results) == len(keys) else ()
    if not any(processors):
        return [dict(zip(keys, record, strict=True)) for record in records]
    steps = [(i, p) for i, p in enumerate(processors) if p is not None]
    rows = []
    for record in records:
        values = list(record)
        for i, process in steps:
            values[i] = process(values[i])
        rows.append(dict(zip(keys, values, strict=True)))
    return rows
