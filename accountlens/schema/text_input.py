"""Refusing text no record can hold: a NUL character or an unpaired surrogate in an argument.

PostgreSQL text holds neither, so such a value can never match anything stored, and the
driver refuses to send it: unchecked, a search for ``"a\\u0000b"`` failed as a fault of ours.
One check at the schema's edge covers every argument of every field, written in the document
(a validation rule, cached with the document) or passed as a variable (an extension that
answers before execution), for ``/graphql`` and the MCP tools alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import ExecutionResult, GraphQLError, StringValueNode, ValidationRule
from strawberry.extensions import SchemaExtension

from accountlens.resolvers.values import is_storable_text

_PROBLEM = "contains a NUL character or an unpaired surrogate, which no stored text can hold"


class StorableTextRule(ValidationRule):
    """String literals in the document must be storable text."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if not is_storable_text(node.value):
            self.report_error(
                GraphQLError(f"a string argument {_PROBLEM}", node, extensions=_bad_input())
            )


class StorableTextVariables(SchemaExtension):
    """Variables, searched all the way down (keys included), must be storable text."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        for name, value in (context.variables or {}).items():
            if not _storable(value):
                error = GraphQLError(f"${name} {_PROBLEM}", extensions=_bad_input(name))
                context.result = ExecutionResult(data=None, errors=[error])
                break
        yield


def _storable(value: Any) -> bool:
    pending = [value]  # a loop, not recursion: a variable may be nested arbitrarily deep
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not is_storable_text(item):
                return False
        elif isinstance(item, Mapping):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple):
            pending += item
    return True


def _bad_input(field: str | None = None) -> dict[str, Any]:
    return {"code": "BAD_INPUT", "field": field} if field else {"code": "BAD_INPUT"}
