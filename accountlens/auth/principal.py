"""Who is asking: the identity every read is evaluated for."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from accountlens.object_types import NARROWABLE, TYPES

Role = Literal["admin", "member"]

#: The object types a person may narrow a connection to on the consent page (SPEC §6), from the
#: type catalogue (a type with a ``consent_label``), so a new type cannot be left unnarrowable.
NARROWABLE_TYPES = tuple(NARROWABLE)
#: Types that are read with another and follow its narrowing.
_FOLLOWS = {"task_comment": "task"}
#: Document kinds and the flag of :class:`Narrowing` that excludes each.
DOCUMENT_KINDS = ("transcript", "kb_article")
#: How messages and pages name the document kinds a narrowing leaves out.
_KIND_WORDS = {"transcript": "transcripts", "kb_article": "knowledge-base articles"}


def left_out_words(what: str) -> str:
    """A type key or document kind in plain words, plural ("people", "transcripts")."""
    info = TYPES.get(what)
    return info.plural if info is not None else _KIND_WORDS.get(what, what)


@dataclass(frozen=True, slots=True)
class Narrowing:
    """What one connection may read, as the person chose on the consent page.

    ``object_types`` is None for every type (no narrowing); otherwise the narrowable types
    (:data:`NARROWABLE_TYPES`) the connection may read. Transcripts and knowledge-base
    articles are allowed or excluded on their own. Enforced in the SQL of every read
    (``accountlens.resolvers.visibility``) and, with a clear error, where a caller names an
    excluded type (``accountlens.resolvers.narrowing``).
    """

    object_types: frozenset[str] | None = None
    transcripts: bool = True
    knowledge_base: bool = True

    @property
    def is_narrowed(self) -> bool:
        return self.object_types is not None or not (self.transcripts and self.knowledge_base)

    def allows(self, type_key: str) -> bool:
        """May this connection read records of ``type_key`` (a registry key) at all?"""
        if type_key == "document":
            return self.transcripts or self.knowledge_base
        key = _FOLLOWS.get(type_key, type_key)
        if key not in NARROWABLE_TYPES or self.object_types is None:
            return True
        return key in self.object_types

    def allows_kind(self, kind: str) -> bool:
        """May this connection read documents of ``kind`` (``transcript``, ``kb_article``)?"""
        return self.transcripts if kind == "transcript" else self.knowledge_base

    @property
    def document_kinds(self) -> tuple[str, ...]:
        return tuple(k for k in DOCUMENT_KINDS if self.allows_kind(k))

    def excluded(self) -> list[str]:
        """What is left out, as type keys and document kinds (for errors and pages)."""
        left_out = [
            t
            for t in NARROWABLE_TYPES
            if self.object_types is not None and t not in self.object_types
        ]
        return left_out + [k for k in DOCUMENT_KINDS if not self.allows_kind(k)]

    @classmethod
    def stored(
        cls, object_types: list[str] | None, exclude_transcripts: bool, exclude_kb: bool
    ) -> Narrowing:
        """The narrowing of a connection row (``connections.narrowed_types`` …)."""
        return cls(
            frozenset(object_types) if object_types is not None else None,
            transcripts=not exclude_transcripts,
            knowledge_base=not exclude_kb,
        )


NOT_NARROWED = Narrowing()


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
    #: What the layers above asked the check to read with the org row, by column name
    #: (:class:`~accountlens.auth.bearer_query.ReadAlong`); None when it read nothing more.
    #: Opaque here, and no part of the facts' identity (a dict is not hashable).
    along: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)


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
    narrowing: Narrowing = NOT_NARROWED
    """What the connection may read (the consent page's choices); the web session: all."""
    service_token: bool = False
    """True for an internal app's service token: it reads as the admin who created it."""

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def via_token(self) -> bool:
        """True when a bearer token authenticated the request: such principals only read."""
        return self.connection_id is not None
