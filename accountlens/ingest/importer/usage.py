"""Daily product usage: rows keyed by day and account, person or feature instead of external_id.

A row with ``person`` is that person's day, one with ``feature`` that feature's day at the
account, and one with neither the account's own day (with its seat counts). Each key is
upserted like a record: a changed number updates the row, identical rows stay untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Table
from sqlalchemy.exc import DataError, IntegrityError

from accountlens.db.models import AccountUsageDaily, FeatureUsageDaily, PersonUsageDaily
from accountlens.ingest.importer.formats import UsageRow
from accountlens.ingest.importer.load import table_of, upsert
from accountlens.ingest.importer.pipeline import FileRun, read_with_progress
from accountlens.ingest.importer.reading import ParsedRow
from accountlens.ingest.importer.records import ImportContext
from accountlens.ingest.importer.report import RejectedRow
from accountlens.ingest.importer.resolve import Ref, Resolved, resolve_references
from accountlens.ingest.importer.sources import RowSource
from accountlens.ingest.importer.target import ImportTarget

FILE = "usage.jsonl"
#: Per grain: the table, its key columns after org_id, and the counters compared on re-import.
GRAINS: dict[str, tuple[Table, tuple[str, ...], tuple[str, ...]]] = {
    "account": (
        table_of(AccountUsageDaily),
        ("account_id", "day"),
        ("events", "minutes", "active_users", "licensed_seats", "active_seats"),
    ),
    "person": (
        table_of(PersonUsageDaily),
        ("person_id", "day"),
        ("account_id", "events", "minutes"),
    ),
    "feature": (
        table_of(FeatureUsageDaily),
        ("account_id", "feature", "day"),
        ("events", "minutes", "active_users"),
    ),
}


def grain_of(row: UsageRow) -> tuple[str, tuple[str, str, date]]:
    """Which table a row belongs in, and its key as written in the file (for duplicates)."""
    if row.person is not None:
        return "person", (row.person, "", row.day)
    if row.feature is not None:
        return "feature", (row.account, row.feature, row.day)
    return "account", (row.account, "", row.day)


def columns_of(grain: str, row: UsageRow, refs: Resolved) -> dict[str, Any]:
    columns: dict[str, Any] = {
        "day": row.day,
        "events": row.events,
        "minutes": row.minutes,
        "account_id": refs.id("account"),
    }
    if grain == "person":
        columns["person_id"] = refs.id("person")
    else:
        columns["active_users"] = row.active_users or 0
    if grain == "feature":
        columns["feature"] = row.feature
    if grain == "account":
        columns.update(licensed_seats=row.licensed_seats, active_seats=row.active_seats)
    return columns


async def import_usage(target: ImportTarget, ctx: ImportContext, source: RowSource) -> None:
    run = FileRun(ctx, source.label)
    parsed, bar = await read_with_progress(ctx, source, UsageRow)
    run.record_read(parsed)
    rows = _unique_days(run, parsed.rows)

    bar.describe(f"{source.label}: checking")
    async with target.connect() as conn:
        resolutions = await resolve_references(
            conn, ctx.org_id, [_refs(parsed_row.row) for parsed_row in rows], ctx.rejected
        )
    by_grain: dict[str, list[dict[str, Any]]] = {grain: [] for grain in GRAINS}
    for parsed_row, resolved in zip(rows, resolutions, strict=True):
        if not isinstance(resolved, Resolved):
            run.reject(parsed_row.line, "; ".join(resolved))
            continue
        row = parsed_row.row
        grain, _ = grain_of(row)
        if grain == "person" and resolved.target("person").account_id != resolved.id("account"):
            run.reject(
                parsed_row.line,
                f"person: '{row.person}' is not a contact of account '{row.account}'",
            )
            continue
        by_grain[grain].append({"org_id": ctx.org_id, **columns_of(grain, row, resolved)})

    bar.describe(f"{source.label}: writing")
    try:
        async with target.begin() as conn:
            written = [
                await upsert(conn, table, by_grain[grain], conflict=("org_id", *key), compare=cmp)
                for grain, (table, key, cmp) in GRAINS.items()
            ]
    except (IntegrityError, DataError) as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        ctx.report.rejected.append(RejectedRow(source.label, 0, f"file not imported: {reason}"))
        run.counts.rejected += sum(len(rows) for rows in by_grain.values())
    else:
        inserted = sum(1 for result in written for row in result if row.inserted)
        changed = sum(len(result) for result in written) - inserted
        run.counts.inserted += inserted
        run.counts.updated += changed
        run.counts.unchanged += sum(len(rows) for rows in by_grain.values()) - inserted - changed
    bar.finish(f"{source.label}: done")


def _refs(row: UsageRow) -> list[Ref]:
    refs = [Ref("account", "account", row.account)]
    if row.person is not None:
        refs.append(Ref("person", "person", row.person))
    return refs


def _unique_days(run: FileRun, rows: Sequence[ParsedRow[UsageRow]]) -> list[ParsedRow[UsageRow]]:
    first: dict[tuple[str, tuple[str, str, date]], int] = {}
    unique: list[ParsedRow[UsageRow]] = []
    for parsed in rows:
        key = grain_of(parsed.row)
        seen = first.setdefault(key, parsed.line)
        if seen != parsed.line:
            grain, (who, feature, day) = key
            what = f"feature '{feature}' of account '{who}'" if feature else f"{grain} '{who}'"
            run.reject(parsed.line, f"duplicate usage of {what} on {day} (first on line {seen})")
            continue
        unique.append(parsed)
    return unique


__all__ = ["FILE", "import_usage"]
