"""What a demo build reports back: the orgs, the sign-ins to try, row counts and time taken."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class DemoOrg:
    name: str
    slug: str
    visibility: str
    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A sign-in printed for people trying the demo; ``book`` says what the user can see."""

    org_name: str
    visibility: str
    email: str
    password: str
    role: str
    book: str


@dataclass(frozen=True, slots=True)
class DemoSummary:
    orgs: list[DemoOrg]
    logins: list[DemoLogin]
    #: Rows written per table.
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    #: Distinct passage texts embedded (chunks reuse the vectors of identical texts).
    embedded_texts: int = 0
