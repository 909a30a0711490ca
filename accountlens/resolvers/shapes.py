"""Statements built once per shape; each call binds its own values as parameters.

Building a list's statement with SQLAlchemy (the projection, a lateral per joined reference,
the visibility predicates) and deriving its cache key cost more CPU than PostgreSQL spends
answering a cheap call. A statement kept in a :class:`ShapeCache` keeps its memoized cache
key too, so :mod:`~accountlens.resolvers.compiled` finds its compiled text at once.

What may differ between two calls of one shape is a parameter: the viewer's ids
(:func:`~accountlens.resolvers.visibility.parametrized`), values the resolver names itself
(ids, dates, the page size), and the values inside the expressions a call builds from its
arguments (filters, custom sort keys, a cursor's bounds): :class:`Varying`. Those expressions
are built per call, which is cheap; their structure — which columns, operators, casts, how
many alternatives, whether a cursor value is ``NULL`` — is SQLAlchemy's own cache key of
them, the same key its compiled cache trusts, and joins the statement's key. The statement
is then built from the first call's expressions, and every later call of that shape binds its
values to that statement's parameters, position by position.

A key that left out something the SQL depends on would hand one caller's statement to another:
every builder states its key in full (type, hidden fields, viewer shape, flags) and never puts
a value in it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import BindParameter, ColumnElement

from accountlens.resolvers.field_security import Hidden

T = TypeVar("T")


class ShapeCache(Generic[T]):
    """At most ``size`` built statements (or bundles of them), least recently used evicted.

    Bounded because a key holds a filter's structure: a caller sending ever new filter shapes
    must not grow the process without end.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, T] = OrderedDict()
        self.builds = 0
        _every_cache.append(self)

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            return found
        built = self._entries[key] = build()
        self.builds += 1
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return built

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()


_every_cache: list[ShapeCache[Any]] = []


def forget_built_statements() -> None:
    """Empty every :class:`ShapeCache`.

    For tests that swap a type's visibility rule: a statement built under the swapped rule
    would otherwise outlive the swap and answer later tests with it.
    """
    for cache in _every_cache:
        cache.clear()


@dataclass(frozen=True, slots=True)
class Varying:
    """Expressions built for this call: their structure (a key) and the values bound in them."""

    shape: tuple[Any, ...]
    binds: tuple[BindParameter[Any], ...]

    @classmethod
    def of(cls, expressions: Sequence[ColumnElement[Any]]) -> Varying | None:
        """``None`` when SQLAlchemy cannot key one of them (the statement is then built anew)."""
        shape: list[Any] = []
        binds: list[BindParameter[Any]] = []
        for expression in expressions:
            key = expression._generate_cache_key()
            if key is None:
                return None
            shape.append(key.key)
            binds.extend(key.bindparams)
        return cls(tuple(shape), tuple(binds))

    @property
    def names(self) -> tuple[str, ...]:
        """The names these expressions' parameters have in a statement built from them."""
        return tuple(b.key for b in self.binds)

    def values(self, names: Sequence[str]) -> dict[str, Any]:
        """This call's values under ``names``: those of a statement built from an earlier call
        of the same shape, whose parameters line up with these position by position."""
        return {name: b.effective_value for name, b in zip(names, self.binds, strict=True)}


def hidden_key(hidden: Hidden) -> tuple[tuple[str, frozenset[str]], ...]:
    """The caller's hidden fields as part of a statement's key (``()`` for an admin)."""
    return tuple(sorted(hidden.by_type.items()))
