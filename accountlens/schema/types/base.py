"""Shared GraphQL building blocks: the ``Node`` and ``Record`` interfaces, connections, money."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from accountlens.resolvers.lists import Page
from accountlens.resolvers.reader import Row
from accountlens.schema.context import Context
from accountlens.schema.ids import encode_id
from accountlens.schema.json_view import json_field

AppInfo = Info[Context, None]
T = TypeVar("T")
N = TypeVar("N", bound="Node")
F = TypeVar("F", bound=Callable[..., Any])


def field(description: str) -> Callable[[F], F]:
    """``@field(…)`` with its resolver's type kept for mypy."""

    def wrap(resolver: F) -> F:
        return cast(F, strawberry.field(description=description)(resolver))

    return wrap


@strawberry.interface(description="Anything with a global ID that `node(id:)` can fetch.")
class Node:
    TYPE_KEY: ClassVar[str] = ""
    NAME_FIELD: ClassVar[str] = "name"

    id: strawberry.ID = strawberry.field(description="Opaque typed ID, e.g. `acc_…`.")
    row: strawberry.Private[Row]
    as_json = json_field()

    @field("The object type: account, person, opportunity …")
    def object_type(self) -> str:
        return self.TYPE_KEY

    @field("A human-readable name for the record.")
    def display_name(self) -> str:
        value = self.row.get(self.NAME_FIELD)
        return "" if value is None else str(value)

    @classmethod
    def from_row(cls: type[N], row: Row) -> N:
        """Build the GraphQL object from a resolver row (fields are copied by name)."""
        values: dict[str, Any] = {
            "id": strawberry.ID(encode_id(cls.TYPE_KEY, row["id"])),
            "row": row,
        }
        for name in _copied_fields(cls):
            if name in row:
                values[name] = row[name]
        return cls(**values)


_COPIED: dict[type[Any], tuple[str, ...]] = {}


def _copied_fields(cls: type[Any]) -> tuple[str, ...]:
    """The init fields ``from_row`` copies from a row (computed once per class: it runs for
    every record of every page, and ``dataclasses.fields`` is not free)."""
    names = _COPIED.get(cls)
    if names is None:
        fields = dataclasses.fields(cls)
        names = _COPIED[cls] = tuple(
            f.name for f in fields if f.init and f.name not in ("id", "row")
        )
    return names


@strawberry.interface(description="A stored record: timestamps, import ID and custom fields.")
class Record(Node):
    created_at: datetime
    updated_at: datetime
    external_id: str | None = strawberry.field(description="ID in the source system.")
    custom: JSON = strawberry.field(description="Custom field values, by property key.")


@strawberry.type(description="An amount of money in a currency.")
class Money:
    amount: Decimal
    currency: str


def money(amount: Decimal | None, currency: str | None) -> Money | None:
    return None if amount is None else Money(amount=amount, currency=currency or "USD")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None

    @classmethod
    def of(cls, cursors: Sequence[str], *, has_next: bool, has_previous: bool) -> PageInfo:
        """A page's info from its cursors, in order (an empty page has neither end)."""
        return cls(
            has_next_page=has_next,
            has_previous_page=has_previous,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        )


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of records with an exact total over what you may see.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    counter: strawberry.Private[Callable[[], Awaitable[tuple[int, bool]]]]
    as_json = json_field()

    @field("The records of this page (the same as edges' nodes).")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]

    @field(
        "How many records match in total, across all pages (at most the server's cap; see "
        "totalIsLowerBound)."
    )
    async def total_count(self) -> int:
        return (await self.counter())[0]

    @field(
        "True when counting stopped at the server's cap: at least totalCount records match "
        "(ACCOUNTLENS_LIST_TOTAL_CAP)."
    )
    async def total_is_lower_bound(self) -> bool:
        return (await self.counter())[1]


def connection(page: Page, build: Callable[[Row], T]) -> Connection[T]:
    return Connection(
        edges=[
            Edge(cursor=cursor, node=build(row))
            for row, cursor in zip(page.rows, page.cursors, strict=True)
        ],
        page_info=PageInfo.of(page.cursors, has_next=page.has_next, has_previous=page.has_previous),
        counter=page.total,
    )


async def load_node(info: AppInfo, cls: type[N], value: uuid.UUID | None) -> N | None:
    """A related record through its type's DataLoader (``None`` when absent or invisible).

    A record the resolvers already read with the row pointing at it (an owner joined into a
    page) is taken from the reader without a statement.
    """
    if value is None:
        return None
    prefetched = info.context.reader.prefetched
    key = (cls.TYPE_KEY, value)
    if key in prefetched:
        row = prefetched[key]
    else:
        row = await info.context.loaders.record(cls.TYPE_KEY).load(value)
    return None if row is None else cls.from_row(row)


async def load_children(
    info: AppInfo, cls: type[N], parent_column: str, parent: uuid.UUID, first: int
) -> list[N]:
    rows = await info.context.loaders.children(cls.TYPE_KEY, parent_column, first).load(parent)
    return [cls.from_row(row) for row in rows]


async def load_related(info: AppInfo, cls: type[N], relation: str, parent: uuid.UUID) -> list[N]:
    rows = await info.context.loaders.related(relation).load(parent)
    return [cls.from_row(row) for row in rows]
