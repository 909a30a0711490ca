"""Errors a model can act on: what was wrong, and what would have been right.

A tool raises :class:`ToolInputError` for a bad argument; the server turns it into an ``isError``
result whose JSON names the argument, the valid choices and the closest matches. GraphQL errors
from the data layer (unknown filter fields, bad values, IDs that are not found) are translated
into the same shape, so the model reads one format whichever layer refused the call.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


class ToolInputError(Exception):
    """The caller's arguments cannot be answered; the message and details are safe to show."""

    def __init__(
        self,
        message: str,
        *,
        argument: str | None = None,
        choices: Sequence[str] = (),
        suggestions: Sequence[str] = (),
        code: str = "BAD_INPUT",
        excluded: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.argument = argument
        self.choices = list(choices)
        self.suggestions = list(suggestions)
        self.code = code
        self.excluded = [str(e) for e in excluded]

    def as_json(self) -> dict[str, Any]:
        """The ``error`` object of the isError result."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.argument:
            body["argument"] = self.argument
        if self.suggestions:
            body["did_you_mean"] = self.suggestions
        if self.choices:
            body["valid_choices"] = self.choices[:80]
        if self.excluded:
            body["excluded_by_consent"] = self.excluded
        return body


def close_matches(given: str, choices: Iterable[str]) -> list[str]:
    """Up to three choices that look like ``given`` (typos, case, singular/plural)."""
    options = list(dict.fromkeys(choices))
    lowered = {c.lower(): c for c in options}
    found = difflib.get_close_matches(given.lower(), list(lowered), n=3, cutoff=0.6)
    return [lowered[f] for f in found]


def unknown(kind: str, given: str, choices: Iterable[str], *, argument: str) -> ToolInputError:
    """An error for a name that is not one of ``choices``, with a "did you mean"."""
    options = sorted(dict.fromkeys(choices))
    matches = close_matches(given, options)
    hint = (
        "did you mean " + " or ".join(repr(m) for m in matches) + "?"
        if matches
        else "valid choices: " + ", ".join(options[:40]) + (" …" if len(options) > 40 else "")
    )
    shown = given if len(given) <= 60 else given[:57] + "..."
    return ToolInputError(
        f"unknown {kind} {shown!r}; {hint}",
        argument=argument,
        choices=options,
        suggestions=matches,
    )


_ARGUMENT_NAMES = {
    "filter": "filters",
    "sort": "sort",
    "after": "cursor",
    "first": "limit",
    "memberId": "id",
    "taskId": "task_id",
    "accountId": "account_id",
    "objectType": "object_type",
}


def from_graphql(errors: Sequence[Mapping[str, Any]]) -> ToolInputError:
    """Translate the data layer's client errors (``extensions.code`` …) into one tool error."""
    first = errors[0] if errors else {}
    extensions: Mapping[str, Any] = first.get("extensions") or {}
    # A masked fault carries no code: it is ours, never the caller's bad input.
    code = str(extensions.get("code") or "INTERNAL")
    message = str(first.get("message") or "the request could not be answered")
    if code not in {"BAD_INPUT", "NOT_FOUND", "BAD_REQUEST", "UNAVAILABLE", "OUTSIDE_NARROWING"}:
        # Anything else (limits, masked faults) is described without internals.
        message = (
            "the request was refused by the data layer; try a smaller limit or fewer fields"
            if code == "QUERY_TOO_COSTLY"
            else "the request could not be answered; try again or simplify it"
        )
    if code == "OUTSIDE_NARROWING":
        # The connection's consent left this out: no argument is wrong, the model should not
        # retry with another one; ``valid_choices`` would mislead, ``excluded`` says what is out.
        return ToolInputError(message, code=code, excluded=extensions.get("excluded") or ())
    field = str(extensions.get("field") or "")
    if field.endswith(" field"):
        field = "filters"  # "unknown account field …": a filter or sort named it
    argument = _ARGUMENT_NAMES.get(field, field) or None
    return ToolInputError(
        message,
        argument=argument,
        choices=[str(c) for c in extensions.get("choices") or ()],
        suggestions=[str(s) for s in extensions.get("suggestions") or ()],
        code=code,
    )
