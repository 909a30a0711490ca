"""Large exports stream: memory holds a batch of rows, not the file."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from accountlens.db.engine import Database
from accountlens.db.models import Account, Opportunity, Person
from accountlens.ingest.deferred import DeferredEmbedder
from accountlens.ingest.embeddings import Embedder, get_local_embedder
from accountlens.ingest.importer import import_directory
from accountlens.ingest.importer.formats import AccountRow
from accountlens.ingest.importer.sources import JsonlSource
from bench.salesforce_export.export import write as write_export
from tests.ingest.importing import ORG, count, write_directory

# Small batches keep the test quick (tracemalloc makes every row slow): with exports a fifth of
# what batches of 250 would need, each import still spans as many batches (5 and 17), and the
# check is as sensitive (it fails from about 2.8 KB kept per row; 1,000 and 4,000 rows in
# batches of 250 failed from about 3 KB).
BATCH = 50


async def _peak_import_memory(db: Database, directory: Path, rows: int, org: str = ORG) -> int:
    """Bytes the import of a ``rows``-row Salesforce export allocated at its peak."""
    write_export(directory, rows)
    tracemalloc.start()
    try:
        report = await import_directory(
            db.engine, directory, org_slug=org, create_org_name=org.title(), embedder=None,
            source="salesforce", batch_rows=BATCH,
        )  # fmt: skip
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not report.failed, report.rejected[:3]
    return peak


async def test_importing_four_times_the_rows_does_not_take_four_times_the_memory(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given an importer warmed up by an import into another org of the small export's size (so
    # caches and compiled statements, full and partial batches alike, are in place before
    # either measurement), and two exports, one four times the size of the other (accounts,
    # contacts and opportunities)
    await _peak_import_memory(fresh_db, tmp_path / "warm", 200, org="warmup")

    # when each is imported in batches of 50 rows, with Python's allocations traced
    small = await _peak_import_memory(fresh_db, tmp_path / "small", 200)
    large = await _peak_import_memory(fresh_db, tmp_path / "large", 800)

    # then the larger one's peak is far below four times the smaller one's: what grows with
    # the file is only each row's ID (for duplicates and --prune), never the rows
    assert await count(fresh_db.engine, Account, ORG) == 160  # the exports' IDs overlap
    assert await count(fresh_db.engine, Person, ORG) == 400
    assert await count(fresh_db.engine, Opportunity, ORG) == 240
    assert large < 2 * small, (small, large)


def test_a_jsonl_file_is_read_in_batches_of_the_configured_size(tmp_path: Path) -> None:
    # given a file of 1,001 accounts
    directory = write_directory(
        tmp_path,
        {"accounts.jsonl": [{"external_id": f"a-{n}", "name": f"A {n}"} for n in range(1_001)]},
    )

    # when it is read in batches of 250
    sizes = [
        len(batch.rows)
        for batch in JsonlSource(directory / "accounts.jsonl").batches(AccountRow, 250, None)
    ]

    # then no batch holds more than 250 rows, and none is lost
    assert max(sizes) == 250
    assert sum(sizes) == 1_001


async def test_the_embedding_model_is_loaded_only_once_there_are_passages_to_embed(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given the import command's embedder, which loads the model on first use
    loads: list[str] = []

    def load() -> Embedder:
        loads.append("model")
        return get_local_embedder()

    embedder = DeferredEmbedder(load)
    write_export(tmp_path / "crm", 100)
    meetings = write_directory(
        tmp_path / "meetings",
        {"documents.jsonl": [
            {"external_id": "m-1", "kind": "transcript", "title": "Kickoff",
             "occurred_at": "2025-01-01T10:00:00Z",
             "turns": [{"speaker": "Ana", "start_seconds": 0, "text": "Welcome aboard."}]},
        ]},
    )  # fmt: skip

    # when a CRM export is imported, then a transcript
    await import_directory(
        fresh_db.engine, tmp_path / "crm", org_slug="acme", create_org_name="Acme",
        embedder=embedder, source="salesforce",
    )  # fmt: skip
    after_crm = list(loads)
    report = await import_directory(fresh_db.engine, meetings, org_slug="acme", embedder=embedder)

    # then the CRM import never loaded the model, and the transcript's passage was embedded
    assert after_crm == []
    assert loads == ["model"]
    assert report.passages_embedded == 1
