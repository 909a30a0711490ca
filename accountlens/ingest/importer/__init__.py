"""Importing customer data from a directory of JSON Lines files (``accountlens import DIR``).

One file per object type (``accounts.jsonl``, ``people.jsonl`` …), upserted by ``external_id``
in dependency order. The format is documented in ``docs/import-format.md`` and defined by the
models in :mod:`.formats`.
"""

from accountlens.ingest.importer.report import FileCounts, ImportReport, RejectedRow
from accountlens.ingest.importer.run import (
    IMPORT_FILES,
    ImportSetupError,
    UnknownOrgError,
    import_directory,
)

__all__ = [
    "IMPORT_FILES",
    "FileCounts",
    "ImportReport",
    "ImportSetupError",
    "RejectedRow",
    "UnknownOrgError",
    "import_directory",
]
