"""Writing validated rows: upserts that leave identical rows alone, and child-collection sync.

``upsert`` is ``INSERT … ON CONFLICT … DO UPDATE … WHERE <some column differs>``: an identical
row is neither rewritten nor given a new ``updated_at``, which is what makes a re-run of the
same directory change nothing. Child collections (members, participants …) are diffed against
the database and only the differences are deleted or inserted.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Row,
    Table,
    Text,
    Uuid,
    any_,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeEngine

from accountlens.db.models import Base

#: asyncpg allows 32,767 bind parameters per statement; stay clear of it.
MAX_PARAMETERS = 30_000
_BATCH = 5_000
T = TypeVar("T")

#: A child collection of one parent: member key → other compared columns.
ChildRows = dict[tuple[Any, ...], tuple[Any, ...]]


def table_of(model: type[Base]) -> Table:
    """The Core table of a mapped class (typed as such, which ``__table__`` is not)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def batched(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def text_array(values: Sequence[str]) -> ColumnElement[list[str]]:
    """One ``text[]`` parameter, for ``column = ANY(…)``."""
    return bindparam(None, list(values), type_=cast("TypeEngine[list[str]]", ARRAY(Text())))


def uuid_array(values: Sequence[uuid.UUID]) -> ColumnElement[list[uuid.UUID]]:
    """One array parameter (``= ANY($1)``) instead of one parameter per value."""
    return bindparam(None, list(values), type_=cast("TypeEngine[list[uuid.UUID]]", ARRAY(Uuid())))


async def upsert(
    conn: AsyncConnection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    conflict: Sequence[str],
    compare: Sequence[str],
    keep_when_null: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> list[Row[Any]]:
    """Insert ``rows``, updating conflicting rows only where a ``compare`` column differs.

    ``keep_when_null`` columns keep their stored value when the new one is NULL. Returns one
    row per inserted or changed row: the ``returning`` columns, then ``inserted`` (a bool).
    Unchanged rows are not returned. All ``rows`` must have the same keys.
    """
    if not rows:
        return []
    written: list[Row[Any]] = []
    for batch in batched(rows, max(1, MAX_PARAMETERS // len(rows[0]))):
        values = pg_insert(table).values(list(batch))
        new = {
            name: func.coalesce(values.excluded[name], table.c[name])
            if name in keep_when_null
            else values.excluded[name]
            for name in compare
        }
        assignments: dict[str, Any] = dict(new)
        if "updated_at" in table.c and "updated_at" not in compare:
            assignments["updated_at"] = func.now()  # no source time given: changed now
        stmt = values.on_conflict_do_update(
            index_elements=[table.c[name] for name in conflict],
            set_=assignments,
            where=or_(*(table.c[name].is_distinct_from(value) for name, value in new.items())),
        ).returning(
            *(table.c[name] for name in returning),
            # A row this statement inserted has no deleting/locking transaction yet.
            literal_column("xmax = 0").label("inserted"),
        )
        written.extend((await conn.execute(stmt)).all())
    return written


@dataclass(frozen=True)
class ChildTable:
    """A collection hanging off a parent record: team members, participants, group members …"""

    name: str
    table: Table
    parent: str
    key: tuple[str, ...]
    payload: tuple[str, ...] = ()


async def sync_children(
    conn: AsyncConnection,
    org_id: uuid.UUID,
    child: ChildTable,
    desired: Mapping[uuid.UUID, ChildRows],
) -> set[uuid.UUID]:
    """Make each parent's collection equal ``desired[parent]``; return the parents changed."""
    table = child.table
    by_id = "id" in table.c
    existing: dict[uuid.UUID, ChildRows] = defaultdict(dict)
    locators: dict[tuple[Any, ...], Any] = {}
    columns = [table.c[name] for name in (child.parent, *child.key, *child.payload)]
    width = len(child.key)
    for batch in batched(list(desired), _BATCH):
        result = await conn.execute(
            select(*columns, table.c.id if by_id else literal_column("NULL")).where(
                table.c.org_id == org_id, table.c[child.parent] == any_(uuid_array(batch))
            )
        )
        for parent, *values, locator in result:
            key = tuple(values[:width])
            existing[parent][key] = tuple(values[width:])
            locators[(parent, *key)] = locator if by_id else (parent, *key)

    stale: list[Any] = []
    fresh: list[dict[str, Any]] = []
    changed: set[uuid.UUID] = set()
    for parent, want in desired.items():
        have = existing.get(parent, {})
        if have == want:
            continue
        changed.add(parent)
        stale.extend(locators[(parent, *key)] for key, old in have.items() if want.get(key) != old)
        for key, payload in want.items():
            if have.get(key) != payload:
                fresh.append(_child_row(child, org_id, parent, key, payload, by_id))
    await _delete(conn, org_id, child, stale, by_id)
    for rows in batched(fresh, max(1, MAX_PARAMETERS // len(fresh[0]))) if fresh else ():
        await conn.execute(insert(table).values(list(rows)))
    return changed


def _child_row(
    child: ChildTable,
    org_id: uuid.UUID,
    parent: uuid.UUID,
    key: tuple[Any, ...],
    payload: tuple[Any, ...],
    by_id: bool,
) -> dict[str, Any]:
    row: dict[str, Any] = {"org_id": org_id, child.parent: parent}
    row.update(zip(child.key, key, strict=True))
    row.update(zip(child.payload, payload, strict=True))
    if by_id:
        row["id"] = uuid.uuid4()
    if "custom" in child.table.c:
        row["custom"] = {}
    return row


async def _delete(
    conn: AsyncConnection, org_id: uuid.UUID, child: ChildTable, stale: list[Any], by_id: bool
) -> None:
    table = child.table
    for batch in batched(stale, _BATCH):
        if by_id:
            where = table.c.id == any_(uuid_array(batch))
        else:
            columns = [table.c[name] for name in (child.parent, *child.key)]
            where = tuple_(*columns).in_(list(batch))
        await conn.execute(delete(table).where(table.c.org_id == org_id, where))


async def touch(
    conn: AsyncConnection, org_id: uuid.UUID, table: Table, ids: set[uuid.UUID]
) -> None:
    """Move ``updated_at`` of rows whose only change was in a child collection."""
    for batch in batched(sorted(ids), _BATCH):
        await conn.execute(
            update(table)
            .where(table.c.org_id == org_id, table.c.id == any_(uuid_array(batch)))
            .values(updated_at=func.now())
        )


@dataclass(frozen=True)
class NaturalKey:
    """A unique key besides ``external_id`` (user email, team name …) an import can collide with.

    With ``adopt`` a stored row that has no external_id yet (created by hand, say) is taken
    over by the imported row with the same key instead of being reported as a conflict.
    """

    columns: tuple[str, ...]
    adopt: bool = True
    case_insensitive: bool = False

    def of(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        key = tuple(values[name] for name in self.columns)
        return tuple(v.lower() for v in key) if self.case_insensitive else key


async def natural_key_owners(
    conn: AsyncConnection,
    org_id: uuid.UUID,
    table: Table,
    natural: NaturalKey,
    keys: Sequence[tuple[Any, ...]],
) -> dict[tuple[Any, ...], tuple[uuid.UUID, str | None]]:
    """Stored rows holding any of ``keys``: key → (id, external_id)."""
    columns: list[ColumnElement[Any]] = [table.c[name] for name in natural.columns]
    if natural.case_insensitive:
        columns = [func.lower(column) for column in columns]
    owners: dict[tuple[Any, ...], tuple[uuid.UUID, str | None]] = {}
    for batch in batched(keys, max(1, MAX_PARAMETERS // len(columns))):
        result = await conn.execute(
            select(*columns, table.c.id, table.c.external_id).where(
                table.c.org_id == org_id, tuple_(*columns).in_(list(batch))
            )
        )
        for *key, id_, external_id in result:
            owners[tuple(key)] = (id_, external_id)
    return owners


async def adopt(
    conn: AsyncConnection,
    org_id: uuid.UUID,
    table: Table,
    adoptions: Sequence[tuple[uuid.UUID, str]],
) -> None:
    """Give stored rows without an external_id the external_id of the row that matched them."""
    for id_, external_id in adoptions:
        await conn.execute(
            update(table)
            .where(table.c.org_id == org_id, table.c.id == id_, table.c.external_id.is_(None))
            .values(external_id=external_id)
        )
