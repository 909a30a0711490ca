"""``import_directory``: find or create the org, then import the known files in dependency order."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from accountlens.db.models import EMBEDDING_DIMENSIONS, DataSource, Org
from accountlens.ingest.importer.csv_source import CsvOverrides, CsvSource, options_of
from accountlens.ingest.importer.discover import Sources, jsonl_sources, mapped_sources
from accountlens.ingest.importer.documents import DocumentSpec
from accountlens.ingest.importer.load import table_of
from accountlens.ingest.importer.mapping import (
    BUILTIN,
    MappingError,
    builtin_mapping,
    load_mapping,
)
from accountlens.ingest.importer.picklists import write_picklists
from accountlens.ingest.importer.pipeline import import_record_file
from accountlens.ingest.importer.prune import Prunable
from accountlens.ingest.importer.prune import prune as prune_missing
from accountlens.ingest.importer.records import ImportContext, RecordSpec
from accountlens.ingest.importer.report import ImportReport, RejectedRow
from accountlens.ingest.importer.resolve import RejectedKeys
from accountlens.ingest.importer.sources import RowSource
from accountlens.ingest.importer.specs_contracts import ContractSpec
from accountlens.ingest.importer.specs_crm import (
    AccountSpec,
    OpportunitySpec,
    OpportunityStageChangeSpec,
    PersonSpec,
    TeamSpec,
    UserSpec,
)
from accountlens.ingest.importer.specs_custom import (
    CustomObjectSpec,
    CustomObjectTypeSpec,
    GroupSpec,
    PropertyDefinitionSpec,
)
from accountlens.ingest.importer.specs_work import (
    ActivitySpec,
    ProjectSpec,
    TaskCommentSpec,
    TaskSpec,
    TicketSpec,
)
from accountlens.ingest.importer.target import ImportTarget, open_target
from accountlens.ingest.importer.transcripts.folder import MAX_TRANSCRIPT_BYTES, TranscriptFolder
from accountlens.ingest.importer.transcripts.spec import TranscriptSpec
from accountlens.ingest.importer.usage import FILE as USAGE_FILE
from accountlens.ingest.importer.usage import import_usage
from accountlens.ingest.progress import ProgressBars

if TYPE_CHECKING:
    from accountlens.ingest.embeddings import Embedder

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")

Step = Callable[[ImportTarget, ImportContext, RowSource], Awaitable[None]]


class ImportSetupError(ValueError):
    """The import cannot start (no such directory, an unusable org slug …)."""


class UnknownOrgError(ImportSetupError):
    """No org has the given slug and no name to create one with was given."""


def _record_step(spec_type: type[RecordSpec[Any]]) -> tuple[str, Step]:
    async def step(target: ImportTarget, ctx: ImportContext, source: RowSource) -> None:
        # A fresh spec per source: specs keep state between their hooks.
        await import_record_file(target, ctx, spec_type(), source)

    return spec_type.file, step


#: The record files' specs, each after the files it can reference (usage comes after these).
RECORD_SPECS: tuple[type[RecordSpec[Any]], ...] = (
    UserSpec,
    TeamSpec,
    AccountSpec,
    PersonSpec,
    OpportunitySpec,
    OpportunityStageChangeSpec,
    TaskSpec,
    TaskCommentSpec,
    ActivitySpec,
    ProjectSpec,
    TicketSpec,
    ContractSpec,
    CustomObjectTypeSpec,
    CustomObjectSpec,
    GroupSpec,
    PropertyDefinitionSpec,
)


def import_steps() -> list[tuple[str, Step]]:
    """Every known file with its importer, each after the files it can reference."""
    return [
        *(_record_step(spec) for spec in RECORD_SPECS),
        (USAGE_FILE, import_usage),
        _record_step(DocumentSpec),
    ]


#: The files an import directory may contain, in the order they are imported.
IMPORT_FILES: tuple[str, ...] = tuple(name for name, _ in import_steps())

#: Record files only a source other than jsonl reads (a folder of transcripts).
SOURCE_STEPS: tuple[tuple[str, Step], ...] = (_record_step(TranscriptSpec),)

#: The sources that are not a mapping of CSV files.
FOLDER_SOURCES = ("transcripts",)


async def import_directory(
    engine: AsyncEngine,
    directory: Path,
    *,
    org_slug: str,
    create_org_name: str | None = None,
    embedder: Embedder | None = None,
    console: Console | None = None,
    dry_run: bool = False,
    source: str = "jsonl",
    mapping: Path | None = None,
    csv_options: CsvOverrides | None = None,
    prune: bool = False,
    batch_rows: int | None = None,
    max_transcript_bytes: int | None = None,
) -> ImportReport:
    """Import the files of ``directory`` into the org ``org_slug``.

    ``source`` is ``jsonl`` (``<type>.jsonl`` files), ``csv`` (CSV files read through the
    ``mapping`` file), a built-in source (``salesforce`` …: CSV files and a shipped mapping) or
    ``transcripts`` (a folder of WebVTT, SRT and JSON meeting transcripts).

    Rows are upserted by ``external_id``; bad rows are skipped and listed in the report with
    their ``file:line``. With an ``embedder``, new or changed document passages are embedded.
    Raises :class:`UnknownOrgError` when the org is missing and ``create_org_name`` is not
    given, and :class:`ImportSetupError` for other reasons the import cannot start. With
    ``dry_run`` every check runs and every count is what a real run would report, but nothing
    is kept (and nothing is embedded). With ``prune``, records of the files read that their
    sources no longer hold are deleted (see :mod:`.prune`). Files are read, checked and
    written ``batch_rows`` rows at a time (memory holds one batch, not the file); a transcript
    file larger than ``max_transcript_bytes`` is refused.
    """
    name, sources, unknown = await asyncio.to_thread(
        find_sources, directory, source, mapping, csv_options, max_transcript_bytes
    )
    if embedder is not None and embedder.dimensions != EMBEDDING_DIMENSIONS:
        raise ImportSetupError(
            f"the embedder makes {embedder.dimensions}-wide vectors; {EMBEDDING_DIMENSIONS} needed"
        )
    async with open_target(engine, dry_run=dry_run) as target:
        org_id, created = await find_or_create_org(target, org_slug, create_org_name)
        report = ImportReport(org_slug=org_slug, org_created=created, source=name, dry_run=dry_run)
        report.rejected.extend(unknown)
        with ProgressBars(console) as progress:
            ctx = ImportContext(
                org_id, report, RejectedKeys(), progress, None if dry_run else embedder
            )
            if batch_rows is not None:
                ctx.batch_rows = batch_rows
            for file, step in [*import_steps(), *SOURCE_STEPS]:
                for each in sources.get(file, []):
                    await step(target, ctx, each)
                    if isinstance(each, CsvSource):
                        await write_picklists(target, ctx, each)
            if prune:
                await prune_missing(target, ctx, prunable())
        if not dry_run:
            await record_import(target, org_id, name)
    order = {name: index for index, name in enumerate(report.files)}
    # A folder source's rejections name each of its files: by file, then line.
    report.rejected.sort(key=lambda row: (order.get(row.file, -1), row.file, row.line))
    return report


def prunable() -> list[Prunable]:
    """Every record file --prune may prune, in import order."""
    specs: list[type[RecordSpec[Any]]] = [*RECORD_SPECS, DocumentSpec]
    kinds = [Prunable(spec.file, spec.table) for spec in specs]
    transcripts = TranscriptSpec.table
    return [*kinds, Prunable(TranscriptSpec.file, transcripts, transcripts.c.kind == "transcript")]


async def record_import(target: ImportTarget, org_id: uuid.UUID, source: str) -> None:
    """Remember when ``source`` was last imported into the org (freshness for answers)."""
    table = table_of(DataSource)
    async with target.begin() as conn:
        stmt = pg_insert(table).values(org_id=org_id, source=source, last_imported_at=func.now())
        await conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[table.c.org_id, table.c.source],
                set_={"last_imported_at": stmt.excluded.last_imported_at},
            )
        )


def find_sources(
    directory: Path,
    source: str,
    mapping: Path | None,
    options: CsvOverrides | None,
    max_transcript_bytes: int | None = None,
) -> tuple[str, Sources, list[RejectedRow]]:
    """The source's name, the sources of each record file, and the files nothing reads."""
    if not directory.is_dir():
        raise ImportSetupError(f"not a directory: {directory}")
    if source == "jsonl":
        if mapping is not None:
            raise ImportSetupError("--mapping is for CSV sources; --source jsonl takes none")
        return ("jsonl", *jsonl_sources(directory, IMPORT_FILES))
    if source == "transcripts":
        if mapping is not None:
            raise ImportSetupError("--mapping is for CSV sources; --source transcripts takes none")
        folder = TranscriptFolder(directory, max_transcript_bytes or MAX_TRANSCRIPT_BYTES)
        return ("transcripts", {TranscriptSpec.file: [folder]}, [])
    try:
        if source == "csv":
            if mapping is None:
                raise ImportSetupError("--source csv needs --mapping FILE")
            chosen = load_mapping(mapping)
        elif source in BUILTIN:
            chosen = load_mapping(mapping) if mapping is not None else builtin_mapping(source)
        else:
            known = ", ".join(("jsonl", "csv", *BUILTIN, *FOLDER_SOURCES))
            raise ImportSetupError(f"unknown source {source!r}; known sources: {known}")
    except MappingError as exc:
        raise ImportSetupError(str(exc)) from exc
    # A mapping names its source ("salesforce", "fieldbook"); that is what freshness reports.
    name = source if source in BUILTIN else chosen.source.name
    return (name, *mapped_sources(directory, chosen, options_of(chosen, options)))


async def find_or_create_org(
    target: ImportTarget, slug: str, create_name: str | None
) -> tuple[uuid.UUID, bool]:
    """The org's ID, and whether it was created now (with restricted account visibility)."""
    orgs = table_of(Org)
    async with target.begin() as conn:
        found = await conn.scalar(select(orgs.c.id).where(orgs.c.slug == slug))
        if found is not None:
            return found, False
        if create_name is None:
            raise UnknownOrgError(f"no org with slug {slug!r}; pass --create-org NAME to create it")
        name = create_name.strip()
        if not SLUG_PATTERN.match(slug):
            raise ImportSetupError(
                f"cannot create org {slug!r}: a slug is 1-63 lowercase letters, digits and "
                "hyphens, starting and ending with a letter or digit"
            )
        if not name:
            raise ImportSetupError("cannot create an org with an empty name")
        created = await conn.scalar(
            pg_insert(orgs)
            .values(id=uuid.uuid4(), name=name, slug=slug, settings={})
            .on_conflict_do_nothing(index_elements=["slug"])
            .returning(orgs.c.id)
        )
        if created is None:  # created concurrently by someone else
            found = await conn.scalar(select(orgs.c.id).where(orgs.c.slug == slug))
            assert found is not None
            return found, False
        return created, True
