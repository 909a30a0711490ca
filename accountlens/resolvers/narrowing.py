"""A narrowed connection names an excluded type: say so, before anything is read.

The SQL of every read already leaves excluded types out (``visibility._narrowed``), so nested
lists and timelines simply do not show them. Where the caller *names* an excluded type (a list
of it, a record by an ID of it, a search restricted to it, properties of it), an empty answer
would read as "there are none"; these checks refuse with :class:`OutsideNarrowingError`
(``extensions.code = "OUTSIDE_NARROWING"``) instead. The refusal depends on the type alone,
which the caller already knows (it is in the ID), so it reveals nothing about any record.
"""

from __future__ import annotations

from collections.abc import Sequence

from accountlens.auth.principal import Principal, left_out_words
from accountlens.resolvers.errors import ClientError


class OutsideNarrowingError(ClientError):
    """The caller's connection was narrowed on the consent page and leaves this out."""

    code = "OUTSIDE_NARROWING"


def _refusal(principal: Principal, what: str) -> OutsideNarrowingError:
    return OutsideNarrowingError(
        f"this connection was narrowed when it was approved and cannot read "
        f"{left_out_words(what)}; the person who approved it can connect again "
        "with a wider choice",
        excluded=principal.narrowing.excluded(),
        field=what,
    )


def require_type(principal: Principal, type_key: str) -> None:
    """Refuse a read of ``type_key`` the caller's connection leaves out."""
    if not principal.narrowing.allows(type_key):
        raise _refusal(principal, type_key)


def allowed_types(principal: Principal, asked: Sequence[str]) -> list[str]:
    """``asked`` when all are allowed; a refusal when the caller named an excluded one."""
    for type_key in asked:
        require_type(principal, type_key)
    return list(asked)


def allowed_kinds(principal: Principal, asked: Sequence[str] | None) -> list[str] | None:
    """The document kinds a passage search may read: ``asked``, or every allowed kind.

    None means "every kind" (no narrowing); a named excluded kind, or a connection that may
    read no documents at all, is refused.
    """
    narrowing = principal.narrowing
    for kind in asked or ():
        if not narrowing.allows_kind(kind):
            raise _refusal(principal, kind)
    if not narrowing.document_kinds:
        raise _refusal(principal, "document")
    if asked:
        return list(asked)
    return None if len(narrowing.document_kinds) == 2 else list(narrowing.document_kinds)
