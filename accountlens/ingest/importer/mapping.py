"""Mapping files (TOML): which CSV file becomes which of our record files, column by column.

A mapping is what lets ``--source csv`` read any export. The built-in sources are mappings of
this same format shipped with the package (``mappings/*.toml``), so a user can copy one and
adjust it. The format is documented in ``docs/import-format.md``.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from accountlens.ingest.importer.reading import describe_errors
from accountlens.object_types import TYPES


class MappingError(ValueError):
    """A mapping file that cannot be used; the import does not start."""


class Rule(BaseModel):
    """A column rule: strict, no unknown keys (a typo in a mapping must not go unnoticed)."""

    model_config = ConfigDict(extra="forbid")


class FieldMapping(Rule):
    """Where one of our fields comes from: a column (or several, joined by a space) or a value."""

    column: str | list[str] | None = None
    value: str | None = None
    #: Source value → our value, compared without case or surrounding spaces; "*" for the rest.
    values: dict[str, str] = Field(default_factory=dict)
    #: A date format (strptime, e.g. "%d/%m/%Y") for this column only.
    date_format: str | None = None
    #: The column may be missing from the file's header (exports often leave empty ones out).
    optional: bool = False
    #: A Salesforce record ID: the 18-character form is cut to its 15-character (case-sensitive)
    #: form, so files that mix both (reports and Data Loader) still match.
    salesforce_id: bool = False
    #: Take the first non-empty of the columns and, of its values separated by the source's
    #: ``list_separator``, the first: HubSpot association columns ("Associated Company IDs")
    #: hold every associated record, the primary one first.
    first: bool = False
    #: A reference the target may lack: when no such record exists, the field is left empty
    #: (and the report says so once per file) instead of the row being rejected. For owners
    #: named in an export that carries no users.
    if_missing: Literal["reject", "leave_empty"] = "reject"

    @model_validator(mode="after")
    def _one_origin(self) -> FieldMapping:
        if (self.column is None) == (self.value is None):
            raise ValueError("give exactly one of column or value")
        return self

    @property
    def columns(self) -> list[str]:
        if self.column is None:
            return []
        return [self.column] if isinstance(self.column, str) else list(self.column)


class CustomColumn(Rule):
    """A custom field with more than a column: a list (Zendesk tags) split at ``separator``."""

    column: str
    as_list: bool = Field(default=False, alias="list")
    #: What separates the items of a list cell; default the source's ``list_separator``.
    separator: str | None = None


class SkipRule(Rule):
    """Rows to leave out (Salesforce's deleted rows: IsDeleted = true)."""

    column: str
    values: list[str]


#: The record files a CSV file may become (``target``, the file's name without ``.jsonl``): every
#: listable type of the catalogue (its root list field names its file, so a new type such as
#: ``contracts`` is a target at once) and the files that are no listable type of their own.
TARGETS: tuple[str, ...] = (
    "users",
    "teams",
    *(info.list_field for info in TYPES.values() if info.list_field),
    "opportunity_stage_changes",
    "task_comments",
    "custom_object_types",
    "custom_objects",
    "groups",
    "property_definitions",
    "usage",
    "documents",
)
if TYPE_CHECKING:
    Target = str
else:
    Target = Literal[TARGETS]
#: A column name, several names (joined by a space: first and last name), or a full rule.
Column = Annotated[str | list[str] | FieldMapping, Field(union_mode="left_to_right")]


class FileMapping(Rule):
    """One CSV file: the record file it becomes and its columns."""

    #: The file's name, matched without regard to case; ``*`` and ``?`` match any characters
    #: (HubSpot names its exports ``hubspot-crm-exports-all-companies-2024-11-05.csv``).
    file: str
    target: Target
    #: ``csv``, or ``jsonl``: one JSON object per line (Zendesk's JSON export), whose keys
    #: (``requester.email`` for nested objects) take the place of columns.
    format: Literal["csv", "jsonl"] = "csv"
    columns: dict[str, Column]
    #: Custom fields: our key → column.
    custom: dict[str, str | CustomColumn] = Field(default_factory=dict)
    #: Every column ending with this (Salesforce "__c") is a custom field too; its key is the
    #: column's name without the suffix, in lower case.
    custom_suffix: str | None = None
    skip: list[SkipRule] = Field(default_factory=list)
    #: Fields (ours, or custom keys) whose values are a closed list in the source (picklists,
    #: dropdowns, pipelines): their distinct values become the allowed values of the field's
    #: property definition, which ``search_properties`` reports.
    picklists: list[str] = Field(default_factory=list)
    #: ``custom_objects`` only: the file is a custom object of its own (Salesforce
    #: ``Invoice__c.csv``): its type is made from the file's name and header.
    object_type_from_file: bool = False

    def fields(self) -> dict[str, FieldMapping]:
        return {
            name: rule if isinstance(rule, FieldMapping) else FieldMapping(column=rule)
            for name, rule in self.columns.items()
        }


class SourceOptions(Rule):
    """How the files are written; each is overridden by its command-line option."""

    name: str = "csv"
    encoding: str = "utf-8"
    delimiter: Literal[",", ";", "\t", "|"] | None = None
    decimal: Literal[".", ","] = "."
    date_format: str | None = None
    list_separator: str = ";"


class Mapping(Rule):
    source: SourceOptions = Field(default_factory=SourceOptions)
    files: list[FileMapping]


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; :class:`MappingError` says what is wrong, in words."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"cannot read mapping {path}: {exc}") from exc
    return parse_mapping(text, path.name)


def parse_mapping(text: str, name: str) -> Mapping:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{name}: not valid TOML: {exc}") from exc
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        for error in errors:
            # pydantic names the union member it tried ("str", "function-after[…]"); a mapping's
            # author only knows the key.
            error["loc"] = tuple(part for part in error["loc"] if not _union_member(part))
        raise MappingError(f"{name}: {describe_errors(Mapping, errors)}") from exc


def _union_member(part: int | str) -> bool:
    return isinstance(part, str) and (part in ("str", "list[str]") or "[" in part)


#: The shipped mappings (``mappings/<name>.toml``), each usable as ``--source <name>``.
BUILTIN: tuple[str, ...] = ("salesforce", "hubspot", "zendesk")


def builtin_mapping(source: str) -> Mapping:
    """The mapping shipped for ``source`` (``mappings/<source>.toml`` in the package)."""
    text = resources.files("accountlens.ingest.importer").joinpath(f"mappings/{source}.toml")
    return parse_mapping(text.read_text(encoding="utf-8"), f"{source}.toml")
