"""Field types shared by the row formats, with the limits the database enforces.

Everything PostgreSQL would refuse (a NUL character, an out-of-range integer, a name too long
for a btree index, a CHECK constraint) is refused here instead, so a bad row is reported with
its line number and never aborts the transaction that writes the good ones.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    SecretStr,
    StringConstraints,
    model_validator,
)

from accountlens.auth.password_policy import PasswordRejected, check_password

INT32_MAX = 2_147_483_647
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,62}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
#: What each pattern means, for error messages.
PATTERN_HINTS = {
    EMAIL_PATTERN: "an email address",
    KEY_PATTERN: "a key of lowercase letters, digits and underscores, starting with a letter",
    CURRENCY_PATTERN: "a three-letter ISO 4217 currency code in capitals, such as USD",
}

#: The import key of a record, and the form every reference between records takes.
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
#: A name, title or other short text that is indexed (btree entries are limited in size).
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=320, pattern=EMAIL_PATTERN),
]
#: A machine key: lowercase letter first, then lowercase letters, digits and underscores.
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
Currency = Annotated[str, StringConstraints(pattern=CURRENCY_PATTERN)]
Amount = Annotated[Decimal, Field(max_digits=16, decimal_places=2, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=INT32_MAX)]
Percent = Annotated[int, Field(ge=0, le=100)]


def _as_utc(value: datetime) -> datetime:
    """Naive timestamps are read as UTC; aware ones are converted to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


Timestamp = Annotated[datetime, AfterValidator(_as_utc)]


def _password_policy(value: SecretStr) -> SecretStr:
    """The one password policy (``accountlens.auth.password_policy``), as for every other way in."""
    try:
        check_password(value.get_secret_value())
    except PasswordRejected as rejected:
        raise ValueError(str(rejected)) from None
    return value


Password = Annotated[SecretStr, AfterValidator(_password_policy)]
CustomValues = dict[str, JsonValue]


def unstorable(value: object) -> str | None:
    """Why PostgreSQL would refuse ``value`` (text or JSON), or None if it would not."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, str):
        if "\x00" in value:
            return "text may not contain the NUL character (\\u0000)"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "text contains an unpaired surrogate escape (\\ud800-\\udfff)"
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return "numbers must be finite (no NaN or Infinity)"
    if isinstance(value, dict):
        items: list[object] = [*value.keys(), *value.values()]
        return next((p for p in map(unstorable, items) if p is not None), None)
    if isinstance(value, list):
        return next((p for p in map(unstorable, value) if p is not None), None)
    return None


class StrictModel(BaseModel):
    """Strict JSON types, unknown fields refused, nothing PostgreSQL cannot store.

    Strict mode still reads ISO dates and decimal strings from JSON, but refuses ``"12"`` for
    an integer or ``"yes"`` for a boolean. (A ``mode="before"`` validator would turn off the
    JSON reading of dates, so the storability check runs after validation.)
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="after")
    def _refuse_unstorable(self) -> Self:
        # Nested models check themselves; only this model's own fields are walked.
        for name, value in self.__dict__.items():
            problem = unstorable(value)
            if problem is not None:
                raise ValueError(f"{name}: {problem}")
        return self


class KeyedRow(StrictModel):
    """A row of a record file: ``external_id`` is its upsert key, unique per org and type.

    ``created_at`` / ``updated_at`` are the source system's own times; without them a record
    is dated by its own event time (see ``RecordSpec.event_time``) or, failing that, by the
    import that first wrote it.
    """

    external_id: ExternalId
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None

    @model_validator(mode="after")
    def _updated_after_created(self) -> Self:
        if self.created_at and self.updated_at and self.updated_at < self.created_at:
            raise ValueError(
                f"updated_at ({self.updated_at.isoformat()}) is earlier than created_at "
                f"({self.created_at.isoformat()})"
            )
        return self


class RecordRow(KeyedRow):
    """A record with free-form custom fields (all record files but custom_objects.jsonl)."""

    custom: CustomValues = Field(default_factory=dict)
