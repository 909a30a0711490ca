"""Importing one record file in batches: read, validate, resolve and write a batch at a time.

A file is read a batch of rows at a time (the setting ``import_batch_rows``) and each batch is
checked and written before the next one is read, so memory holds one batch, not the file; what
crosses batches is only each row's external ID and line (for duplicates, ``--prune`` and the
report). The writes of a file share one transaction, so a file is either imported (minus its
rejected rows) or, on an unexpected database error, not at all. Rejected rows are remembered
so that later files' references to them are rejected too.
"""

from __future__ import annotations

import asyncio
import hashlib
import pickle
import uuid
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Table, any_, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from accountlens.ingest.importer.canonical import canonical_spellings
from accountlens.ingest.importer.fields import KeyedRow
from accountlens.ingest.importer.load import (
    adopt,
    batched,
    natural_key_owners,
    sync_children,
    text_array,
    touch,
    upsert,
)
from accountlens.ingest.importer.reading import Batches, ParsedFile, ParsedRow
from accountlens.ingest.importer.records import (
    ImportContext,
    Item,
    RecordSpec,
    RowError,
    source_times,
)
from accountlens.ingest.importer.report import FileCounts, RejectedRow
from accountlens.ingest.importer.resolve import Resolved, resolve_references
from accountlens.ingest.importer.sources import RowSource, read_all
from accountlens.ingest.importer.target import ImportTarget
from accountlens.ingest.progress import ProgressTask

M = TypeVar("M", bound=KeyedRow)
P = TypeVar("P", bound=BaseModel)
_BATCH = 5_000

#: Where a row is: its file (None for the source's own) and line.
Place = tuple[str | None, int]


class FileRun:
    """Counts and rejections of one file as it is processed."""

    def __init__(self, ctx: ImportContext, file: str) -> None:
        self.ctx = ctx
        self.file = file
        self.counts = ctx.report.files.setdefault(file, FileCounts())

    def reject(self, line: int, message: str, file: str | None = None) -> None:
        self.ctx.report.rejected.append(RejectedRow(file or self.file, line, message))
        if line:  # a whole file refused is listed apart; its rows are not counted as rows
            self.counts.rejected += 1

    def record_read(self, parsed: ParsedFile[Any]) -> None:
        """Count what reading already decided: rejected and deliberately skipped rows."""
        for rejected in parsed.rejected:
            self.reject(rejected.line, rejected.message, rejected.file)
        self.counts.skipped += parsed.skipped

    def where(self, line: int, file: str | None = None) -> str:
        return f"{file or self.file}:{line}"


@dataclass
class FileState:
    """What the batches of one file share: each row's identity, never the rows themselves."""

    #: Per external ID: where it was first used and a digest of that row (for exact repeats).
    first: dict[str, tuple[Place, bytes]] = field(default_factory=dict)
    #: Per natural key (lower-cased where case-insensitive): where it was first used.
    natural: dict[tuple[Any, ...], Place] = field(default_factory=dict)
    #: Rows written so far (place and the keys they can be referenced by), in case the
    #: database refuses the file and they must be reported rejected after all.
    written: list[tuple[Place, list[object]]] = field(default_factory=list)
    counts: FileCounts = field(default_factory=FileCounts)
    #: References left empty (mapping rule ``if_missing = "leave_empty"``), and a few of them.
    left_empty: int = 0
    left_empty_shown: set[str] = field(default_factory=set)


async def import_record_file(
    target: ImportTarget, ctx: ImportContext, spec: RecordSpec[M], source: RowSource
) -> None:
    """Import ``source`` (rows of ``spec``'s records) into the context's org, batch by batch."""
    run = FileRun(ctx, source.label)
    lines = await asyncio.to_thread(source.size)
    bar = ctx.progress.task(f"{source.label}: importing", lines)
    state = FileState()
    try:
        async with target.begin() as conn:
            with closing(source.batches(spec.model, ctx.batch_rows, bar.advance)) as batches:
                while (parsed := await asyncio.to_thread(_next, batches)) is not None:
                    await _import_batch(conn, ctx, run, spec, parsed, state)
    except (IntegrityError, DataError) as exc:
        _fail_file(ctx, run, spec, state, exc)
    else:
        for name in ("inserted", "updated", "unchanged"):
            setattr(run.counts, name, getattr(run.counts, name) + getattr(state.counts, name))
    if state.left_empty:
        shown = ", ".join(sorted(state.left_empty_shown))
        ctx.report.notes.append(
            f"{run.file}: {state.left_empty} references to records not in AccountLens were left "
            f"empty ({shown})"
        )
    bar.finish(f"{source.label}: done")


def _next(batches: Batches[P]) -> ParsedFile[P] | None:
    return next(batches, None)


async def _import_batch(
    conn: AsyncConnection,
    ctx: ImportContext,
    run: FileRun,
    spec: RecordSpec[M],
    parsed: ParsedFile[M],
    state: FileState,
) -> None:
    run.record_read(parsed)
    _remember_ids(ctx, run, spec.file, parsed)
    for raw in parsed.rejected_raw:
        for key in spec.identity(raw.raw):
            ctx.rejected.add(spec.kind, key, run.where(raw.line, raw.file))
    rows = _unique_external_ids(run, state, parsed.rows)
    if not rows:
        return
    await spec.prepare(conn, ctx, [parsed_row.row for parsed_row in rows])
    items = await _build_items(conn, ctx, run, spec, rows, parsed, state)
    await canonical_spellings(conn, ctx.org_id, spec, items)
    stored = await _stored_ids(conn, ctx.org_id, spec.table, [i.external_id for i in items])
    adoptions = await _check_natural_keys(conn, ctx, run, spec, items, stored, state)
    for item in items:
        # Existing rows keep their ID; new rows keep the fresh one children will point at.
        item.id = adoptions.get(item.external_id) or stored.get(item.external_id, item.id)
    await spec.before_write(conn, ctx, items)
    for item in items:
        keys = spec.identity(item.row.model_dump(include={"external_id", "email", "key"}))
        state.written.append(((item.file, item.line), keys))
    await _write(conn, ctx, state.counts, spec, items, adoptions)


async def read_with_progress(
    ctx: ImportContext, source: RowSource, model: type[P]
) -> tuple[ParsedFile[P], ProgressTask]:
    """Read and validate all of ``source`` off the event loop, with a bar advancing line by
    line (for files small by nature; record files go batch by batch)."""
    lines = await asyncio.to_thread(source.size)
    bar = ctx.progress.task(f"{source.label}: reading", lines)
    return await asyncio.to_thread(read_all, source, model, bar.advance), bar


def _remember_ids(ctx: ImportContext, run: FileRun, file: str, parsed: ParsedFile[Any]) -> None:
    """What the export holds, so --prune removes only records that vanished from it."""
    seen = ctx.seen.setdefault(file, set())
    seen.update(row.row.external_id for row in parsed.rows)
    identified = {
        (raw.file or run.file, raw.line): raw.raw.get("external_id") for raw in parsed.rejected_raw
    }
    seen.update(str(key).strip() for key in identified.values() if key)
    if any(not identified.get((rejected.file, rejected.line)) for rejected in parsed.rejected):
        # A file refused whole, or a line whose ID could not be read: absence proves nothing.
        ctx.incomplete.add(file)


def _digest(row: BaseModel) -> bytes:
    """A fingerprint of a row's values (secrets included), to spot the very same row again."""
    return hashlib.blake2b(pickle.dumps(row.__dict__), digest_size=16).digest()


def _unique_external_ids(
    run: FileRun, state: FileState, rows: list[ParsedRow[M]]
) -> list[ParsedRow[M]]:
    unique: list[ParsedRow[M]] = []
    for parsed in rows:
        digest = _digest(parsed.row)
        place: Place = (parsed.file, parsed.line)
        earlier, earlier_digest = state.first.setdefault(parsed.row.external_id, (place, digest))
        if earlier == place:
            unique.append(parsed)
            continue
        if earlier_digest == digest:
            # The very same record twice (exports concatenated, a re-sent batch): one record.
            run.counts.skipped += 1
            continue
        run.reject(
            parsed.line,
            f"duplicate external_id '{parsed.row.external_id}' (first used {_at(earlier)})",
            parsed.file,
        )
    return unique


def _at(place: Place) -> str:
    file, line = place
    return f"in {file}" if file is not None else f"on line {line}"


async def _build_items(
    conn: AsyncConnection,
    ctx: ImportContext,
    run: FileRun,
    spec: RecordSpec[M],
    rows: Sequence[ParsedRow[M]],
    read: ParsedFile[M],
    state: FileState,
) -> list[Item[M]]:
    resolutions = await resolve_references(
        conn,
        ctx.org_id,
        [spec.refs(parsed.row) for parsed in rows],
        ctx.rejected,
        read.lenient,
        read.column_of,
    )
    items: list[Item[M]] = []
    left_empty: list[str] = []
    for parsed, resolved in zip(rows, resolutions, strict=True):
        place: Place = (parsed.file, parsed.line)
        if not isinstance(resolved, Resolved):
            _reject_row(ctx, run, spec, place, parsed.row, "; ".join(resolved))
            continue
        left_empty += resolved.left_empty
        try:
            values = source_times(spec, parsed.row, spec.values(parsed.row, resolved))
            members = spec.members(parsed.row, resolved)
        except RowError as exc:
            _reject_row(ctx, run, spec, place, parsed.row, str(exc))
            continue
        item = Item(parsed.line, parsed.row, parsed.row.external_id, values, members)
        item.file = parsed.file
        items.append(item)
    state.left_empty += len(left_empty)
    state.left_empty_shown |= set(left_empty)
    # A few names suffice for the note; holding every one would grow with the file.
    state.left_empty_shown = set(sorted(state.left_empty_shown)[:5])
    return items


def _reject_row(
    ctx: ImportContext, run: FileRun, spec: RecordSpec[M], place: Place, row: M, message: str
) -> None:
    file, line = place
    run.reject(line, message, file)
    for key in spec.identity(row.model_dump(include={"external_id", "email", "key"})):
        ctx.rejected.add(spec.kind, key, run.where(line, file))


async def _check_natural_keys(
    conn: AsyncConnection,
    ctx: ImportContext,
    run: FileRun,
    spec: RecordSpec[M],
    items: list[Item[M]],
    stored: dict[str, uuid.UUID],
    state: FileState,
) -> dict[str, uuid.UUID]:
    """Reject rows whose other unique key is taken; return stored rows each row adopts."""
    natural = spec.natural_key
    if natural is None:
        return {}
    label = "/".join(natural.columns)
    # Say why "at risk" collides with "At Risk": nobody expects it from the text alone.
    same = " (values that differ only in case are the same)" if natural.case_insensitive else ""
    kept: list[Item[M]] = []
    for item in items:
        place: Place = (item.file, item.line)
        seen = state.natural.setdefault(natural.of(item.values), place)
        if seen != place:
            _reject_row(
                ctx, run, spec, place, item.row,
                f"{label} {_show(_own(natural.columns, item))} is also used {_at(seen)}{same}",
            )  # fmt: skip
            continue
        kept.append(item)
    owners = await natural_key_owners(
        conn, ctx.org_id, spec.table, natural, [natural.of(item.values) for item in kept]
    )
    adoptions: dict[str, uuid.UUID] = {}
    items.clear()
    for item in kept:
        owner = owners.get(natural.of(item.values))
        if owner is not None and owner[1] != item.external_id:
            if owner[1] is None and natural.adopt and item.external_id not in stored:
                adoptions[item.external_id] = owner[0]
            else:
                holder = f"'{owner[1]}'" if owner[1] is not None else "without an external_id"
                _reject_row(
                    ctx, run, spec, (item.file, item.line), item.row,
                    f"{label} {_show(_own(natural.columns, item))} already belongs to another "
                    f"{spec.kind.replace('_', ' ')} ({holder}){same}",
                )  # fmt: skip
                continue
        items.append(item)
    return adoptions


def _own(columns: Sequence[str], item: Item[Any]) -> tuple[Any, ...]:
    """The natural key as the row spells it (not lower-cased)."""
    return tuple(item.values[column] for column in columns)


def _show(key: tuple[Any, ...]) -> str:
    return "/".join(f"'{part}'" for part in key)


async def _stored_ids(
    conn: AsyncConnection, org_id: uuid.UUID, table: Table, external_ids: Sequence[str]
) -> dict[str, uuid.UUID]:
    stored: dict[str, uuid.UUID] = {}
    for batch in batched(external_ids, _BATCH):
        result = await conn.execute(
            select(table.c.external_id, table.c.id).where(
                table.c.org_id == org_id, table.c.external_id == any_(text_array(list(batch)))
            )
        )
        stored.update({external_id: id_ for external_id, id_ in result})
    return stored


async def _write(
    conn: AsyncConnection,
    ctx: ImportContext,
    counts: FileCounts,
    spec: RecordSpec[M],
    items: Sequence[Item[M]],
    adoptions: dict[str, uuid.UUID],
) -> None:
    await adopt(conn, ctx.org_id, spec.table, [(id_, ext) for ext, id_ in adoptions.items()])
    # Rows that give a source time and rows that leave it to the database are written by
    # separate statements: a multi-row INSERT needs the same columns in every row.
    groups: dict[tuple[str, ...], list[Item[M]]] = {}
    for item in items:
        groups.setdefault(tuple(item.values), []).append(item)
    written: list[Any] = []
    for columns, group in groups.items():
        written += await upsert(
            conn,
            spec.table,
            [
                {"org_id": ctx.org_id, "id": i.id, "external_id": i.external_id, **i.values}
                for i in group
            ],
            conflict=("org_id", "external_id"),
            compare=columns,
            keep_when_null=spec.keep_when_null,
            returning=("id",),
        )
    inserted = {row.id for row in written if row.inserted}
    changed = {row.id for row in written if not row.inserted}
    also: set[uuid.UUID] = set()
    for child in spec.children:
        desired = {item.id: item.members.get(child.name, {}) for item in items}
        also |= await sync_children(conn, ctx.org_id, child, desired)
    also |= await spec.after_write(conn, ctx, items)
    also -= inserted | changed
    # A record whose source gave its updated_at keeps it; the others were changed now.
    dated = {item.id for item in items if "updated_at" in item.values}
    await touch(conn, ctx.org_id, spec.table, also - dated)
    counts.inserted += len(inserted)
    counts.updated += len(changed) + len(also)
    counts.unchanged += len(items) - len(inserted) - len(changed) - len(also)


def _fail_file(
    ctx: ImportContext,
    run: FileRun,
    spec: RecordSpec[M],
    state: FileState,
    exc: IntegrityError | DataError,
) -> None:
    """The database refused the file's writes: nothing of it was written; say so plainly."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
    ctx.report.rejected.append(
        RejectedRow(run.file, 0, f"file not imported, the database refused it: {reason}")
    )
    run.counts.rejected += len(state.written)
    for (file, line), keys in state.written:
        for key in keys:
            ctx.rejected.add(spec.kind, key, run.where(line, file))
