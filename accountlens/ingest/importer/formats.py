"""The documented import format: one pydantic model per ``.jsonl`` file.

Each model *is* the format of one line (see ``docs/import-format.md``). Field names follow the
database columns; references to other records name them by ``external_id`` (users also by
email) and carry the referenced type's singular name (``account``, ``owner``, ``assignee`` …).
Every line is a complete record: a field left out is stored empty (or at its default).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from accountlens.ingest.importer.fields import (
    Amount,
    Count,
    Currency,
    CustomValues,
    Email,
    ExternalId,
    Key,
    KeyedRow,
    Name,
    Password,
    Percent,
    RecordRow,
    ShortText,
    StrictModel,
    Timestamp,
)
from accountlens.object_types import LISTABLE

#: ``PROPERTY_DATA_TYPES`` of the models, as a Literal (a test keeps the two in step).
DataType = Literal[
    "string", "text", "integer", "number", "money", "boolean", "date", "datetime", "enum",
    "reference",
]  # fmt: skip
#: Built-in object types that ``property_definitions.jsonl`` may add custom fields to: the
#: listable types of the catalogue.
if TYPE_CHECKING:
    BuiltinType = str
else:
    BuiltinType = Literal[LISTABLE]


class UserRow(RecordRow):
    email: Email
    name: Name
    role: Literal["admin", "member"] = "member"
    is_active: bool = True
    password: Password | None = None
    sso_subject: ShortText | None = None


class TeamRow(RecordRow):
    name: Name
    members: list[ExternalId] = Field(default_factory=list)


class AccountTeamEntry(StrictModel):
    user: ExternalId
    role: ShortText | None = None


class AccountRow(RecordRow):
    name: Name
    domain: ShortText | None = None
    industry: ShortText | None = None
    employees: Count | None = None
    arr_amount: Amount | None = None
    arr_currency: Currency = "USD"
    lifecycle_stage: ShortText | None = None
    health_score: Percent | None = None
    health_trend: Literal["up", "flat", "down"] | None = None
    renewal_date: date | None = None
    licensed_seats: Count | None = None
    owner: ExternalId | None = None
    team: ExternalId | None = None
    account_team: list[AccountTeamEntry] = Field(default_factory=list)


class PersonRow(RecordRow):
    account: ExternalId
    name: Name
    email: Email | None = None
    title: ShortText | None = None
    persona: ShortText | None = None
    phone: ShortText | None = None
    last_contacted_at: Timestamp | None = None


class OpportunityRow(RecordRow):
    account: ExternalId
    name: Name
    type: Literal["new", "renewal", "expansion"] = "new"
    stage: Name
    stage_category: Literal["open", "won", "lost"]
    amount: Amount | None = None
    currency: Currency = "USD"
    close_date: date | None = None
    probability: Percent | None = None
    owner: ExternalId | None = None


class OpportunityStageChangeRow(RecordRow):
    opportunity: ExternalId
    from_stage: ShortText | None = None
    to_stage: Name
    changed_at: Timestamp
    changed_by: ExternalId | None = None


class TaskRow(RecordRow):
    title: Name
    description: str | None = None
    status: Literal["open", "in_progress", "done", "cancelled"]
    priority: Literal["low", "medium", "high", "urgent"] = "medium"
    due_date: date | None = None
    completed_at: Timestamp | None = None
    account: ExternalId | None = None
    assignee: ExternalId | None = None
    creator: ExternalId | None = None


class TaskCommentRow(RecordRow):
    task: ExternalId
    author: ExternalId | None = None
    body: Annotated[str, StringConstraints(min_length=1)]
    posted_at: Timestamp


class ActivityRow(RecordRow):
    kind: Literal["email", "call", "meeting", "note"]
    subject: Name
    body: str | None = None
    occurred_at: Timestamp
    account: ExternalId
    user: ExternalId | None = None
    participants: list[ExternalId] = Field(default_factory=list)


class ProjectRow(RecordRow):
    name: Name
    kind: Name
    status: Literal["planned", "active", "on_hold", "completed", "cancelled"]
    start_date: date | None = None
    due_date: date | None = None
    account: ExternalId | None = None
    owner: ExternalId | None = None
    members: list[ExternalId] = Field(default_factory=list)


class TicketRow(RecordRow):
    account: ExternalId
    requester: ExternalId | None = None
    subject: Name
    description: str | None = None
    status: Literal["new", "open", "pending", "on_hold", "solved", "closed"]
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    opened_at: Timestamp
    closed_at: Timestamp | None = None


class ContractRow(RecordRow):
    account: ExternalId
    name: Name
    status: Literal["draft", "active", "expired", "terminated"]
    start_date: date
    end_date: date | None = None
    value_amount: Amount | None = None
    value_currency: Currency = "USD"
    renewal_terms: str | None = None

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> Self:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class FieldDefinition(StrictModel):
    """A field of a custom object type (or a custom field of a built-in type)."""

    key: Key
    label: Name
    description: str | None = None
    data_type: DataType
    allowed_values: list[Name] | None = None
    filterable: bool = True
    sortable: bool = True

    @model_validator(mode="after")
    def _enum_needs_values(self) -> Self:
        if self.allowed_values:
            # Choices that differ only by case are one choice; the first spelling is kept.
            seen: dict[str, str] = {}
            for value in self.allowed_values:
                seen.setdefault(value.casefold(), value)
            self.allowed_values = list(seen.values())
        if self.data_type == "enum" and not self.allowed_values:
            raise ValueError("an enum field needs a non-empty allowed_values list")
        if self.data_type != "enum" and self.allowed_values is not None:
            raise ValueError("allowed_values is only valid when data_type is 'enum'")
        return self


class CustomObjectTypeRow(RecordRow):
    key: Key
    label: Name
    label_plural: ShortText | None = None
    description: str | None = None
    fields: list[FieldDefinition] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_field_keys(self) -> Self:
        keys = [item.key for item in self.fields]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"field keys must be unique; repeated: {', '.join(duplicates)}")
        return self


class CustomObjectRow(KeyedRow):
    """An instance of a custom object type; ``values`` holds its field values."""

    type: ExternalId
    name: Name
    account: ExternalId | None = None
    values: CustomValues = Field(default_factory=dict)


class GroupRow(RecordRow):
    name: Name
    kind: Literal["segment", "list"]
    member_type: Literal["account", "person"]
    description: str | None = None
    members: list[ExternalId] = Field(default_factory=list)


class PropertyDefinitionRow(KeyedRow, FieldDefinition):
    object_type: BuiltinType
    position: Count = 0


class UsageRow(StrictModel):
    """One day of usage: for an account, for a person (``person``), or a feature (``feature``)."""

    account: ExternalId
    person: ExternalId | None = None
    feature: Name | None = None
    day: date
    events: Count = 0
    minutes: Count = 0
    active_users: Count | None = None
    licensed_seats: Count | None = None
    active_seats: Count | None = None

    @model_validator(mode="after")
    def _one_grain(self) -> Self:
        if self.person is not None and self.feature is not None:
            raise ValueError("give either person or feature, not both")
        if self.person is not None and self.active_users is not None:
            raise ValueError("active_users is not used on per-person rows")
        if (self.person is not None or self.feature is not None) and (
            self.licensed_seats is not None or self.active_seats is not None
        ):
            raise ValueError("licensed_seats and active_seats belong on account rows only")
        return self


class Participant(StrictModel):
    """A meeting participant: one of our users, or a customer contact."""

    user: ExternalId | None = None
    person: ExternalId | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.user is None) == (self.person is None):
            raise ValueError("a participant names exactly one of user or person")
        return self


class SpeakerTurn(StrictModel):
    speaker: Name
    start_seconds: Count
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class DocumentRow(RecordRow):
    kind: Literal["transcript", "kb_article"]
    title: Name
    account: ExternalId | None = None
    occurred_at: Timestamp
    duration_seconds: Count | None = None
    participants: list[Participant] = Field(default_factory=list)
    turns: list[SpeakerTurn] | None = None
    body: str | None = None

    @model_validator(mode="after")
    def _content_matches_kind(self) -> Self:
        if self.kind == "transcript":
            if not self.turns:
                raise ValueError("a transcript needs a non-empty turns list")
            if self.body is not None:
                raise ValueError("a transcript takes turns, not body")
        else:
            if self.body is None or not self.body.strip():
                raise ValueError("a kb_article needs a non-empty body")
            if self.turns is not None or self.participants:
                raise ValueError("a kb_article takes body only, not turns or participants")
        return self
