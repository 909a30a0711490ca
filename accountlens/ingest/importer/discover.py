"""Which files of an import directory are read, as what: the sources of each record file.

For ``--source jsonl`` a record file is its ``<type>.jsonl``. For a mapping (``--source csv
--mapping FILE`` or a built-in source) each ``[[files]]`` entry names a CSV file and the record
file it becomes; several CSV files may feed one record file (Salesforce's Task and Event both
become activities). A file of the directory that nothing reads is reported, so a misspelt name
does not go unnoticed.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from accountlens.ingest.importer.csv_source import CsvOptions, CsvSource
from accountlens.ingest.importer.json_source import JsonLinesSource
from accountlens.ingest.importer.mapping import FileMapping, Mapping
from accountlens.ingest.importer.object_files import ObjectTypeSource
from accountlens.ingest.importer.report import RejectedRow
from accountlens.ingest.importer.sources import JsonlSource, RowSource

Sources = dict[str, list[RowSource]]


def jsonl_sources(directory: Path, files: Sequence[str]) -> tuple[Sources, list[RejectedRow]]:
    """The known ``.jsonl`` files present, and a rejection for each unknown one."""
    present = [name for name in files if (directory / name).is_file()]
    sources: Sources = {name: [JsonlSource(directory / name)] for name in present}
    rejected: list[RejectedRow] = []
    for path in sorted(directory.glob("*.jsonl")):
        if path.name not in files:
            rejected.append(_unknown(path.name, files))
    return sources, rejected


def mapped_sources(
    directory: Path, mapping: Mapping, options: CsvOptions
) -> tuple[Sources, list[RejectedRow]]:
    """The files the mapping names that are present, by the record file they become.

    Every entry takes every file its name (or pattern) matches, so one file may feed several
    targets (Zendesk's users export: agents become users, customers people).
    """
    paths = sorted(path for path in directory.iterdir() if path.is_file())
    sources: Sources = defaultdict(list)
    claimed: set[Path] = set()
    # A file several entries read is reported once per target: "users.json (people)".
    readers: dict[Path, int] = defaultdict(int)
    for entry in mapping.files:
        for path in paths:
            readers[path] += _matches(entry, path)
    for entry in mapping.files:
        for path in paths:
            if not _matches(entry, path):
                continue
            claimed.add(path)
            source_type = JsonLinesSource if entry.format == "jsonl" else CsvSource
            label = f"{path.name} ({entry.target})" if readers[path] > 1 else None
            source = source_type(path, entry, options, label)
            if entry.object_type_from_file:
                sources["custom_object_types.jsonl"].append(ObjectTypeSource(source))
            sources[f"{entry.target}.jsonl"].append(source)
    names = [entry.file for entry in mapping.files]
    rejected = [
        _unknown(path.name, names, what="not in the mapping")
        for path in paths
        if path.suffix.lower() in (".csv", ".json", ".jsonl") and path not in claimed
    ]
    return dict(sources), rejected


def _matches(entry: FileMapping, path: Path) -> bool:
    return fnmatch.fnmatchcase(path.name.casefold(), entry.file.casefold())


def _unknown(name: str, known: Sequence[str], what: str = "unknown file") -> RejectedRow:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}?" if close else f"known files: {', '.join(known)}"
    return RejectedRow(name, 0, f"{what}, not imported; {hint}")
