"""Who is asking: the identity every read is evaluated for."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

Role = Literal["admin", "member"]


@dataclass(frozen=True, slots=True)
class OrgFacts:
    """The org row as the bearer check read it, in the same statement, for this request.

    Lets the reader skip its own read of the org row (it decides visibility, so it is read
    fresh: the bearer check runs on every request).
    """

    name: str
    slug: str
    timezone: str
    account_visibility: str


@dataclass(frozen=True, slots=True)
class Principal:
    """A signed-in user acting in one org, possibly through one MCP connection.

    Built by the web session, the bearer-token verifier or a test; consumed by the GraphQL
    context. ``connection_id`` is set when the request came through an OAuth connection.
    """

    user_id: uuid.UUID
    org_id: uuid.UUID
    role: Role
    email: str = ""
    name: str = ""
    connection_id: uuid.UUID | None = None
    client_id: str | None = None
    org_name: str = ""
    org_facts: OrgFacts | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def via_token(self) -> bool:
        """True when a bearer token authenticated the request: such principals only read."""
        return self.connection_id is not None
