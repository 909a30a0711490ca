"""``--prune``: remove the records that vanished from a full export.

Only record files the run read are pruned, and only records that carry an ``external_id`` (a
record created by hand is never the export's to remove). A file whose source could not be read
completely (refused whole, or a line whose ID was unreadable) is not pruned: absence from it
proves nothing. Files are pruned in reverse import order, so children go before their parents;
deleting a parent also removes what hangs off it (its people, its stage changes …), as the
foreign keys say, and clears the optional references to it (a document's account …).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import ColumnElement, Table, any_, delete, not_, select

from accountlens.ingest.importer.load import text_array, uuid_array
from accountlens.ingest.importer.records import ImportContext
from accountlens.ingest.importer.references import clear_references
from accountlens.ingest.importer.target import ImportTarget


class Prunable(NamedTuple):
    """A record file and its table; ``only`` narrows the records the file stands for (the
    transcripts of a folder are the table's transcripts, not its KB articles)."""

    file: str
    table: Table
    only: ColumnElement[bool] | None = None


async def prune(target: ImportTarget, ctx: ImportContext, tables: Sequence[Prunable]) -> None:
    """Delete, per record file read, the org's imported records its sources no longer hold."""
    for file, table, only in reversed(tables):
        if file not in ctx.seen or file in ctx.incomplete:
            continue
        kept = sorted(ctx.seen[file])
        doomed = select(table.c.id).where(
            table.c.org_id == ctx.org_id,
            table.c.external_id.is_not(None),
            not_(table.c.external_id == any_(text_array(kept))),
        )
        if only is not None:
            doomed = doomed.where(only)
        async with target.begin() as conn:
            gone = list(await conn.scalars(doomed))
            # Optional references to these records become NULL (see references.py).
            await clear_references(conn, table, ctx.org_id, gone)
            result = await conn.execute(
                delete(table)
                .where(table.c.org_id == ctx.org_id, table.c.id == any_(uuid_array(gone)))
                .returning(table.c.id)
            )
            removed = len(result.all())
        if removed:
            ctx.report.pruned[file] = removed
