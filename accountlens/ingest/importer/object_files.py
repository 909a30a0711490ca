"""Custom object types made from a file: Salesforce's ``Invoice__c.csv`` is the type ``invoice``.

A mapping entry with ``object_type_from_file = true`` reads its file twice: as the instances
(``custom_objects``, each row one record) and, through :class:`ObjectTypeSource`, as the one
custom object type they belong to. The type's external ID is the file's name without its
extension (what the instances' ``type = { value = "{file_stem}" }`` names), its key that name
in lower case without the custom suffix, and its fields the header's custom columns.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from accountlens.ingest.importer.csv_source import CsvSource, custom_key, sniff
from accountlens.ingest.importer.reading import Batches, ParsedFile, ParsedRow, describe_errors
from accountlens.ingest.importer.report import RejectedRow

M = TypeVar("M", bound=BaseModel)


class ObjectTypeSource:
    """The custom object type of one file of instances (a row source of one row)."""

    def __init__(self, instances: CsvSource) -> None:
        self.instances = instances

    @property
    def label(self) -> str:
        return f"{self.instances.label} (object type)"

    def size(self) -> int:
        return 1

    def batches(
        self, model: type[M], size: int, advance: Callable[[int], None] | None
    ) -> Batches[M]:
        parsed: ParsedFile[M] = ParsedFile()
        if self.instances.undecodable() is not None:
            yield parsed  # the instances' own read says why, once
            return
        try:
            row = model.model_validate_json(json.dumps(self.type_row()))
        except ValidationError as exc:
            reason = describe_errors(model, exc.errors())
            message = f"no custom object type can be made of the file's name: {reason}"
            parsed.rejected.append(RejectedRow(self.label, 1, message))
            yield parsed
            return
        parsed.rows.append(ParsedRow(1, row))
        if advance is not None:
            advance(1)
        yield parsed

    def type_row(self) -> dict[str, Any]:
        """The type as a ``custom_object_types.jsonl`` line."""
        source = self.instances
        suffix = source.mapping.custom_suffix or ""
        stem = source.path.stem
        mapped = {column for rule in source.mapping.fields().values() for column in rule.columns}
        fields = [
            {
                "key": custom_key(column, suffix),
                "label": label_of(column, suffix),
                "data_type": "string",
            }
            for column in self._header()
            if suffix and column.endswith(suffix) and column not in mapped
        ]
        unique = {item["key"]: item for item in fields}
        return {
            "external_id": stem,
            "key": custom_key(stem, suffix),
            "label": label_of(stem, suffix),
            "fields": list(unique.values()),
        }

    def _header(self) -> list[str]:
        options = self.instances.options
        utf8 = options.encoding.lower() in ("utf-8", "utf8")
        with self.instances.path.open(
            encoding="utf-8-sig" if utf8 else options.encoding, newline=""
        ) as handle:
            first = handle.readline()
            delimiter = options.delimiter or sniff(first)
            return [cell.strip() for cell in next(csv.reader([first], delimiter=delimiter), [])]


def label_of(name: str, suffix: str) -> str:
    """A label from an API name: ``Renewal_Quote__c`` → ``Renewal Quote``."""
    base = name[: -len(suffix)] if suffix and name.endswith(suffix) else name
    return " ".join(base.replace("_", " ").split()) or name
