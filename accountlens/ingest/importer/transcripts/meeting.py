"""Our JSON form of a meeting transcript, and the row every transcript file becomes.

A ``.json`` file with ``turns`` is a transcript of its own; one without ``turns`` beside a
caption file of the same name (``weekly-sync.json`` next to ``weekly-sync.vtt``) gives that
file its title, time, participants and account. The form is documented in
``docs/import-format.md`` ("Transcripts").
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, StringConstraints

from accountlens.ingest.importer.fields import (
    Count,
    Email,
    ExternalId,
    Name,
    StrictModel,
    Timestamp,
)
from accountlens.ingest.importer.formats import DocumentRow

_WWW = re.compile(r"^(?:https?://)?(?:www\.)?")

Domain = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=3, max_length=253)
]


def bare_domain(domain: str) -> str:
    """``https://www.Northwind.example/`` → ``northwind.example``."""
    return _WWW.sub("", domain.strip().lower()).rstrip("/")


class Attendee(StrictModel):
    """Someone in the meeting: one of our users or a customer contact, found by e-mail."""

    email: Email
    name: Name | None = None


class MeetingTurn(StrictModel):
    speaker: Name
    #: Seconds from the start of the recording (fractions are cut to whole seconds).
    start_seconds: Annotated[float, Field(ge=0, le=2_147_483_647, allow_inf_nan=False)]
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class MeetingInfo(StrictModel):
    """What a transcript says about its meeting (all of it optional in a caption's sidecar)."""

    #: The transcript's import key; the file name when left out.
    id: ExternalId | None = None
    title: Name | None = None
    occurred_at: Timestamp | None = None
    duration_seconds: Count | None = None
    #: The account's external_id, or its web domain; else the participants' account.
    account: ExternalId | None = None
    account_domain: Domain | None = None
    participants: list[Attendee] = Field(default_factory=list)


class MeetingFile(MeetingInfo):
    """A whole transcript in our JSON form."""

    turns: Annotated[list[MeetingTurn], Field(min_length=1)]


class TranscriptRow(DocumentRow):
    """A transcript file as the importer stores it: a document whose people are e-mails."""

    account_domain: str | None = None
    attendees: list[Attendee] = Field(default_factory=list)
