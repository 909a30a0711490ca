"""What an import did: counts per file and every rejected row with its ``file:line``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

#: How many rejected rows :meth:`ImportReport.print` lists before summarising the rest.
MAX_REJECTED_SHOWN = 50


@dataclass(frozen=True)
class RejectedRow:
    """A line that was not imported, and why. ``line`` is 0 when the whole file is meant."""

    file: str
    line: int
    message: str

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass
class FileCounts:
    """Rows of one file: written new, changed, already identical, rejected, or skipped on
    purpose (a mapping's skip rule, such as Salesforce's deleted rows)."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped: int = 0

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged + self.rejected + self.skipped


@dataclass
class ImportReport:
    """The outcome of :func:`~accountlens.ingest.importer.import_directory`.

    ``rejected`` holds rejected rows (``line`` ≥ 1) and files not imported (``line`` 0); the
    per-file counts count rows only, so "N rows rejected" is always the table's total.
    """

    org_slug: str
    org_created: bool = False
    source: str = "jsonl"
    dry_run: bool = False
    files: dict[str, FileCounts] = field(default_factory=dict)
    rejected: list[RejectedRow] = field(default_factory=list)
    passages_embedded: int = 0
    #: Records removed by --prune, per record file (not rows of any file, so not in the table).
    pruned: dict[str, int] = field(default_factory=dict)
    #: What an import did besides rows, in words (picklist values added, owners left empty …).
    notes: list[str] = field(default_factory=list)

    def counts(self, file: str) -> FileCounts:
        """Counts for ``file`` (all zero when the file was absent)."""
        return self.files.get(file, FileCounts())

    def totals(self) -> FileCounts:
        total = FileCounts()
        for counts in self.files.values():
            total.inserted += counts.inserted
            total.updated += counts.updated
            total.unchanged += counts.unchanged
            total.rejected += counts.rejected
            total.skipped += counts.skipped
        return total

    @property
    def rejected_rows(self) -> list[RejectedRow]:
        return [row for row in self.rejected if row.line]

    @property
    def rejected_files(self) -> list[RejectedRow]:
        return [row for row in self.rejected if not row.line]

    @property
    def failed(self) -> bool:
        """Whether anything was rejected (the command then exits 1)."""
        return bool(self.rejected) or self.totals().rejected > 0

    def as_dict(self) -> dict[str, Any]:
        """The report for machines (``--report json``)."""
        return {
            "org": self.org_slug,
            "org_created": self.org_created,
            "source": self.source,
            "dry_run": self.dry_run,
            "files": {name: asdict(counts) for name, counts in self.files.items()},
            "totals": asdict(self.totals()),
            "passages_embedded": self.passages_embedded,
            "pruned": dict(self.pruned),
            "notes": list(self.notes),
            "rejected_rows": [_problem(row) for row in self.rejected_rows],
            "rejected_files": [_problem(row) for row in self.rejected_files],
        }

    def print(self, console: Console, *, max_rejected: int = MAX_REJECTED_SHOWN) -> None:
        """Render the per-file table, then the first ``max_rejected`` rejected rows."""
        created = " (created)" if self.org_created else ""
        dry = " (dry run: nothing was written)" if self.dry_run else ""
        table = Table(title=f"Import into org {escape(self.org_slug)}{created}{dry}")
        table.add_column("File")
        columns = ["Inserted", "Updated", "Unchanged", "Rejected"]
        skipping = any(counts.skipped for counts in self.files.values())
        for column in [*columns, "Skipped"] if skipping else columns:
            table.add_column(column, justify="right")
        for name, counts in self.files.items():
            rejected = f"[red]{counts.rejected}[/red]" if counts.rejected else "0"
            skipped = [str(counts.skipped)] if skipping else []
            table.add_row(
                escape(name),
                str(counts.inserted),
                str(counts.updated),
                str(counts.unchanged),
                rejected,
                *skipped,
            )
        total = self.totals()
        table.add_section()
        table.add_row(
            "[bold]Total[/bold]",
            str(total.inserted),
            str(total.updated),
            str(total.unchanged),
            str(total.rejected),
            *([str(total.skipped)] if skipping else []),
        )
        console.print(table)
        if not self.files:
            console.print("[yellow]No known files were found in the directory.[/yellow]")
        if self.passages_embedded:
            console.print(f"Embedded {self.passages_embedded} passages.")
        for name, removed in self.pruned.items():
            console.print(f"Pruned {removed} records of {escape(name)} missing from the export.")
        for note in self.notes:
            console.print(escape(note))
        rows = self.rejected_rows
        if total.rejected:
            plural = "row" if total.rejected == 1 else "rows"
            console.print(f"[red bold]{total.rejected} {plural} rejected:[/red bold]")
        for row in rows[:max_rejected]:
            console.print(f"  [bold]{escape(row.location)}[/bold]: {escape(row.message)}")
        hidden = len(rows) - max_rejected
        if hidden > 0:
            console.print(f"  … and {hidden} more")
        files = self.rejected_files
        if files:
            plural = "file" if len(files) == 1 else "files"
            console.print(f"[red bold]{len(files)} {plural} not imported:[/red bold]")
        for row in files:
            console.print(f"  [bold]{escape(row.location)}[/bold]: {escape(row.message)}")


def _problem(row: RejectedRow) -> dict[str, Any]:
    return {"file": row.file, "line": row.line or None, "message": row.message}
