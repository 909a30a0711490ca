"""Errors a caller caused, as opposed to faults of ours.

Resolvers raise these; the schema lets them through error masking with their ``code`` in the
GraphQL ``extensions``, while every other exception reaches the client only as a masked error.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any, ClassVar


class ClientError(Exception):
    """An error the caller can fix; its message is safe to show."""

    code: ClassVar[str] = "BAD_REQUEST"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.extensions: dict[str, Any] = {"code": self.code, **details}


class BadInputError(ClientError):
    """An argument is malformed, out of range or names something that does not exist."""

    code = "BAD_INPUT"


class NotFoundError(ClientError):
    """The record does not exist or the caller may not see it (the two are indistinguishable)."""

    code = "NOT_FOUND"


class ForbiddenError(ClientError):
    """The caller is not allowed to do this at all (never used to hide a record's existence)."""

    code = "FORBIDDEN"


class UnavailableError(ClientError):
    """The database cannot answer right now (down, restarting, overloaded).

    Not the caller's doing, but safe and useful to show: the same request will work when the
    database is back, so the caller should retry rather than change it.
    """

    code = "UNAVAILABLE"


class UnauthenticatedError(ClientError):
    """No principal: the request carried no valid session or token."""

    code = "UNAUTHENTICATED"


def unknown_choice(kind: str, given: str, choices: Iterable[str]) -> BadInputError:
    """A ``BadInputError`` for an unknown name, suggesting a close match or listing the choices."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(given, options, n=3, cutoff=0.6)
    shown = given if len(given) <= 60 else given[:57] + "..."
    if close:
        hint = "did you mean " + " or ".join(repr(c) for c in close) + "?"
    else:
        hint = "valid choices: " + ", ".join(options[:60]) + (" …" if len(options) > 60 else "")
    return BadInputError(
        f"unknown {kind} {shown!r}; {hint}",
        field=kind,
        suggestions=close,
        choices=options[:200],
    )
