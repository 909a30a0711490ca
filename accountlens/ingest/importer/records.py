"""What a record file is to the importer: how its rows become columns, references and members.

Each ``.jsonl`` file of records has one :class:`RecordSpec` subclass. The generic pipeline
(:mod:`.pipeline`) reads, validates, resolves and writes; a spec only says what is particular
to its type. Specs may keep state between their hooks, so each import run builds fresh ones.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import Column, Table
from sqlalchemy.ext.asyncio import AsyncConnection

from accountlens.ingest.importer.fields import KeyedRow, RecordRow
from accountlens.ingest.importer.load import ChildRows, ChildTable, NaturalKey
from accountlens.ingest.importer.reading import DEFAULT_BATCH
from accountlens.ingest.importer.report import ImportReport
from accountlens.ingest.importer.resolve import Ref, RejectedKeys, Resolved

if TYPE_CHECKING:
    from accountlens.ingest.embeddings import Embedder
    from accountlens.ingest.progress import ProgressBars

M = TypeVar("M", bound=KeyedRow)


class RowError(ValueError):
    """A row is valid on its own but cannot be imported (a conflict, a mismatch …)."""


@dataclass
class ImportContext:
    """What every file of one import run shares."""

    org_id: uuid.UUID
    report: ImportReport
    rejected: RejectedKeys
    progress: ProgressBars
    embedder: Embedder | None
    #: External IDs each record file's sources hold (rejected rows included), for --prune.
    seen: dict[str, set[str]] = field(default_factory=dict)
    #: Record files a source of which was refused as a whole: never pruned.
    incomplete: set[str] = field(default_factory=set)
    #: Rows read, checked and written at a time (the setting ``import_batch_rows``).
    batch_rows: int = DEFAULT_BATCH


@dataclass
class Item(Generic[M]):
    """A row ready to write: its columns, its child collections and its database ID."""

    line: int
    row: M
    external_id: str
    values: dict[str, Any]
    members: dict[str, ChildRows] = field(default_factory=dict)
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    #: The file the row came from when its source reads several (see ``ParsedRow.file``).
    file: str | None = None


class RecordSpec(Generic[M]):
    """How one file of records is imported. Subclasses set the attributes and override hooks."""

    file: str
    #: The name other rows use to point at these records (see :mod:`.resolve`).
    kind: str
    model: type[M]
    table: Table
    #: Child collections; :meth:`members` returns their rows by :attr:`ChildTable.name`.
    children: tuple[ChildTable, ...] = ()
    natural_key: NaturalKey | None = None
    #: Columns whose stored value survives a NULL in the file (a user's password hash).
    keep_when_null: tuple[str, ...] = ()
    #: Columns naming a choice (a stage …): one spelling per value (see :mod:`.canonical`).
    canonical: tuple[str, ...] = ()
    #: Columns of other tables whose spellings the :attr:`canonical` ones follow first (a stage
    #: change's stages are spelt as the opportunities' stages).
    spelt_as: tuple[Column[Any], ...] = ()

    def refs(self, row: M) -> Sequence[Ref]:
        """The references the row makes, resolved before :meth:`values` is called."""
        return ()

    def values(self, row: M, refs: Resolved) -> dict[str, Any]:
        """Column values (all but ``org_id``, ``id`` and ``external_id``); may raise RowError."""
        raise NotImplementedError

    def members(self, row: M, refs: Resolved) -> dict[str, ChildRows]:
        """Rows of each child collection, by the name of its :attr:`children` entry."""
        return {}

    def event_time(self, row: M) -> datetime | None:
        """When the record's event happened in the source (an activity's ``occurred_at`` …):
        its ``created_at`` when the file gives none, so it is never dated by the import."""
        return None

    def identity(self, raw: Mapping[str, Any]) -> list[object]:
        """The keys a rejected row could be referenced by (from its raw JSON)."""
        return [raw.get("external_id")]

    async def prepare(self, conn: AsyncConnection, ctx: ImportContext, rows: Sequence[M]) -> None:
        """Load what :meth:`values` needs from the database (before references resolve)."""

    async def before_write(
        self, conn: AsyncConnection, ctx: ImportContext, items: Sequence[Item[M]]
    ) -> None:
        """Slow work outside the write transaction (embeddings)."""

    async def after_write(
        self, conn: AsyncConnection, ctx: ImportContext, items: Sequence[Item[M]]
    ) -> set[uuid.UUID]:
        """Extra writes in the file's transaction; returns IDs of rows that changed through them."""
        return set()


#: The source times every record file may carry; :func:`source_times` decides their columns.
TIME_FIELDS = frozenset({"created_at", "updated_at"})


def source_times(spec: RecordSpec[M], row: M, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with the row's ``created_at`` / ``updated_at`` columns set only where known.

    A column left out keeps its stored value on update, and the database's ``now()`` on
    insert; that is the only case where an import's own time dates a record.
    """
    for name in TIME_FIELDS:
        values.pop(name, None)  # model_dump() of the row includes them; they are decided here
    created = row.created_at or spec.event_time(row)
    if created is not None and row.updated_at is not None:
        created = min(created, row.updated_at)
    if created is not None:
        values["created_at"] = created
    if row.updated_at is not None:
        values["updated_at"] = row.updated_at
    return values


def with_custom(row: RecordRow, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` plus the row's ``custom`` map, which every record file carries."""
    values["custom"] = row.custom
    return values


def referencing(
    row: RecordRow, refs: Resolved, *references: str, lists: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The row's own fields as columns, each of ``references`` as ``<name>_id`` (the ID it
    resolved to) and its ``custom`` map; ``lists`` (child rows, see ``members``) are left out."""
    columns = row.model_dump(exclude={"external_id", "custom", *references, *lists})
    columns.update({f"{name}_id": refs.id(name) for name in references})
    return with_custom(row, columns)
