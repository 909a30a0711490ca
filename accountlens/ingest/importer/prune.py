"""``--prune``: remove the records that vanished from a full export.

Only record files the run read are pruned, and only records that carry an ``external_id`` (a
record created by hand is never the export's to remove). A file whose source could not be read
completely (refused whole, or a line whose ID was unreadable) is not pruned: absence from it
proves nothing. Files are pruned in reverse import order, so children go before their parents;
deleting a parent also removes what hangs off it (its people, its stage changes …), as the
foreign keys say.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import ColumnElement, Table, any_, delete, not_

from accountlens.ingest.importer.load import text_array
from accountlens.ingest.importer.records import ImportContext
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
        statement = delete(table).where(
            table.c.org_id == ctx.org_id,
            table.c.external_id.is_not(None),
            not_(table.c.external_id == any_(text_array(kept))),
        )
        if only is not None:
            statement = statement.where(only)
        async with target.begin() as conn:
            result = await conn.execute(statement.returning(table.c.id))
            removed = len(result.all())
        if removed:
            ctx.report.pruned[file] = removed
