"""What an import did: counts per file and every rejected row with its ``file:line``."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    """Rows of one file: written new, changed, already identical, or rejected."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged + self.rejected


@dataclass
class ImportReport:
    """The outcome of :func:`~accountlens.ingest.importer.import_directory`."""

    org_slug: str
    org_created: bool = False
    files: dict[str, FileCounts] = field(default_factory=dict)
    rejected: list[RejectedRow] = field(default_factory=list)
    passages_embedded: int = 0

    def counts(self, file: str) -> FileCounts:
        """Counts for ``file`` (all zero when the file was absent)."""
        return self.files.get(file, FileCounts())

    def print(self, console: Console, *, max_rejected: int = MAX_REJECTED_SHOWN) -> None:
        """Render the per-file table, then the first ``max_rejected`` rejected rows."""
        created = " (created)" if self.org_created else ""
        table = Table(title=f"Import into org {escape(self.org_slug)}{created}")
        table.add_column("File")
        for column in ("Inserted", "Updated", "Unchanged", "Rejected"):
            table.add_column(column, justify="right")
        total = FileCounts()
        for name, counts in self.files.items():
            rejected = f"[red]{counts.rejected}[/red]" if counts.rejected else "0"
            table.add_row(
                escape(name),
                str(counts.inserted),
                str(counts.updated),
                str(counts.unchanged),
                rejected,
            )
            total.inserted += counts.inserted
            total.updated += counts.updated
            total.unchanged += counts.unchanged
            total.rejected += counts.rejected
        table.add_section()
        table.add_row(
            "[bold]Total[/bold]",
            str(total.inserted),
            str(total.updated),
            str(total.unchanged),
            str(total.rejected),
        )
        console.print(table)
        if not self.files:
            console.print("[yellow]No known .jsonl files were found in the directory.[/yellow]")
        if self.passages_embedded:
            console.print(f"Embedded {self.passages_embedded} passages.")
        if not self.rejected:
            return
        console.print(f"[red bold]{len(self.rejected)} rows rejected:[/red bold]")
        for row in self.rejected[:max_rejected]:
            console.print(f"  [bold]{escape(row.location)}[/bold]: {escape(row.message)}")
        hidden = len(self.rejected) - max_rejected
        if hidden > 0:
            console.print(f"  … and {hidden} more")
