"""Bulk writing: rows collected in a :class:`Batch`, copied with PostgreSQL's binary COPY.

Generators stay free of I/O: they fill a batch, and :class:`CopyWriter` sends each table's rows
with asyncpg's ``copy_records_to_table`` on the build's own transaction, parents before children
so every composite foreign key finds its target. COPY is one round trip per table per batch,
which is what lets the large preset load tens of millions of rows in minutes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

import asyncpg
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import JSONB

from accountlens.db.models import Base

#: Parents before children: the order batches are copied in.
TABLE_ORDER: tuple[str, ...] = (
    "orgs",
    "teams",
    "users",
    "team_members",
    "custom_object_types",
    "property_definitions",
    "field_security",
    "groups",
    "accounts",
    "account_team_members",
    "people",
    "opportunities",
    "opportunity_stage_changes",
    "activities",
    "activity_participants",
    "tickets",
    "contracts",
    "tasks",
    "task_comments",
    "projects",
    "project_members",
    "custom_object_instances",
    "group_members",
    "usage_account_daily",
    "usage_person_daily",
    "usage_feature_daily",
    "documents",
    "document_participants",
    "chunk_embeddings",
    "document_chunks",
)

#: COPY calls can run long on the large preset; the engine's default command timeout is short.
COPY_TIMEOUT_SECONDS = 3600.0

Row = Mapping[str, Any]


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def insertable_columns(name: str) -> tuple[str, ...]:
    """A table's columns minus generated ones (``document_chunks.tsv``)."""
    return tuple(column.name for column in table(name).columns if column.computed is None)


def _json_positions(name: str, columns: Sequence[str]) -> tuple[int, ...]:
    types = {column.name: column.type for column in table(name).columns}
    return tuple(i for i, column in enumerate(columns) if isinstance(types[column], JSONB))


def _to_json(value: Any) -> str | None:
    if value is None:
        return None
    if value == {}:
        return "{}"
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class _TableRows:
    __slots__ = ("columns", "getter", "json_positions", "rows")

    def __init__(self, name: str, columns: tuple[str, ...]) -> None:
        self.columns = columns
        self.getter = itemgetter(*columns)
        self.json_positions = _json_positions(name, columns)
        self.rows: list[tuple[Any, ...]] = []


class Batch:
    """Rows for several tables, ready to copy. Pure data: no database access."""

    def __init__(self) -> None:
        self._tables: dict[str, _TableRows] = {}

    def _rows(self, name: str, columns: tuple[str, ...] | None = None) -> _TableRows:
        rows = self._tables.get(name)
        if rows is None:
            rows = _TableRows(name, columns or insertable_columns(name))
            self._tables[name] = rows
        elif columns is not None and columns != rows.columns:
            raise ValueError(f"{name}: rows with different column lists in one batch")
        return rows

    def add(self, name: str, row: Row) -> None:
        """Add one row given as a mapping of every insertable column to its value."""
        rows = self._rows(name)
        if len(row) != len(rows.columns):
            unknown = sorted(set(row) - set(rows.columns))
            missing = sorted(set(rows.columns) - set(row))
            raise ValueError(f"{name}: unknown columns {unknown}, missing columns {missing}")
        values = rows.getter(row)
        if rows.json_positions:
            values = list(values)
            for position in rows.json_positions:
                values[position] = _to_json(values[position])
        rows.rows.append(tuple(values))

    def record(
        self,
        table_name: str,
        org_id: uuid.UUID,
        id_: uuid.UUID,
        created_at: datetime,
        /,
        *,
        updated_at: datetime | None = None,
        custom: Mapping[str, Any] | None = None,
        **values: Any,
    ) -> None:
        """Add a customer-data record: the shared columns plus the table's own ``values``."""
        self.add(
            table_name,
            {
                "org_id": org_id,
                "id": id_,
                "external_id": None,
                "custom": custom or {},
                "created_at": created_at,
                "updated_at": updated_at or created_at,
                **values,
            },
        )

    def add_tuples(
        self, name: str, columns: tuple[str, ...], values: Iterable[tuple[Any, ...]]
    ) -> None:
        """Add rows already in ``columns`` order (the fast path for high-volume tables)."""
        self._rows(name, columns).rows.extend(values)

    def tables(self) -> Iterable[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]]:
        """Non-empty tables in :data:`TABLE_ORDER`."""
        unknown = set(self._tables) - set(TABLE_ORDER)
        if unknown:
            raise ValueError(f"no copy order for tables {sorted(unknown)}")
        for name in TABLE_ORDER:
            rows = self._tables.get(name)
            if rows is not None and rows.rows:
                yield name, rows.columns, rows.rows

    def __len__(self) -> int:
        return sum(len(rows.rows) for rows in self._tables.values())


class CopyWriter:
    """Copies batches into the database through one asyncpg connection, counting rows."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection
        self.counts: dict[str, int] = {}

    async def write(self, batch: Batch) -> None:
        for name, columns, rows in batch.tables():
            await self._connection.copy_records_to_table(
                name, records=rows, columns=list(columns), timeout=COPY_TIMEOUT_SECONDS
            )
            self.counts[name] = self.counts.get(name, 0) + len(rows)
