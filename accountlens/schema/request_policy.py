"""Per-request rules that depend on who asks, checked after validation and before execution.

* **Tokens are read-only.** A principal that came from a bearer token (an MCP connection or an
  internal app's token) may run queries only; every mutation needs the web session, whose
  ``/graphql`` POSTs must be ``application/json`` (CSRF, see
  ``accountlens.auth.request_principal``) or the web UI's own CSRF-protected forms. Checked on
  the operation type, so a mutation added later is covered without anyone remembering to.
* **A query budget for ``/graphql``.** Each root field is its own read (its own statements and
  count), and searches (keyword and semantic) are the expensive ones, so one request may hold
  at most :attr:`QueryBudget.max_root_fields` root fields, of which at most
  :attr:`QueryBudget.max_searches` searches, aliases and fragments included. The depth, alias
  and object-count limits of :mod:`accountlens.schema.limits` still apply on top. The MCP
  adapter's own documents (one read each) carry no budget.

The rules read the request's :class:`~accountlens.schema.context.Context`, which is why they are
an extension rather than validation rules (those are cached per document, not per caller).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension

#: Root fields that run a search: ranked keyword search and hybrid semantic search.
SEARCH_FIELDS = frozenset({"search", "semanticSearch"})
#: Root fields that read nothing worth counting (the caller itself, introspection).
FREE_FIELDS = frozenset({"me", "__typename", "__schema", "__type"})


@dataclass(frozen=True, slots=True)
class QueryBudget:
    """What one ``/graphql`` request may ask for (settings ``ACCOUNTLENS_GRAPHQL_MAX_*``)."""

    max_root_fields: int
    max_searches: int


def root_fields(
    selections: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]
) -> Iterator[str]:
    """The names of the root fields an operation runs, once per alias, through fragments."""
    seen: set[str] = set()

    def walk(node: SelectionSetNode) -> Iterator[str]:
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                yield selection.name.value
            elif isinstance(selection, InlineFragmentNode):
                yield from walk(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is not None and name not in seen:
                    seen.add(name)  # a fragment spread twice at the root runs its fields once
                    yield from walk(fragment.selection_set)

    yield from walk(selections)


def over_budget(
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    budget: QueryBudget,
) -> GraphQLError | None:
    names = [n for n in root_fields(operation.selection_set, fragments) if n not in FREE_FIELDS]
    searches = sum(1 for n in names if n in SEARCH_FIELDS)
    if searches > budget.max_searches:
        return GraphQLError(
            f"too many searches in one request: {searches}, the limit is "
            f"{budget.max_searches}; send the others as separate requests",
            operation,
            extensions={
                "code": "QUERY_TOO_COSTLY",
                "searches": searches,
                "limit": budget.max_searches,
            },
        )
    if len(names) > budget.max_root_fields:
        return GraphQLError(
            f"too many reads in one request: {len(names)} root fields, the limit is "
            f"{budget.max_root_fields}; send the others as separate requests",
            operation,
            extensions={
                "code": "QUERY_TOO_COSTLY",
                "root_fields": len(names),
                "limit": budget.max_root_fields,
            },
        )
    return None


def read_only_refusal(operation: OperationDefinitionNode) -> GraphQLError:
    return GraphQLError(
        "access tokens are read-only: changes are made in the web UI, signed in "
        "(Admin → Settings → MCP Connections revokes connections)",
        operation,
        extensions={"code": "READ_ONLY_TOKEN"},
    )


class RequestPolicy(SchemaExtension):
    """Refuses, before execution, a token's mutation and a request over its query budget."""

    def on_validate(self) -> Iterator[None]:
        # Placed after the validation cache, which has just validated the document: only a
        # valid document is judged, and a refusal set here is returned without execution.
        context = self.execution_context
        if not context.pre_execution_errors and context.graphql_document is not None:
            error = self._judge(context.context, context.operation_name)
            if error is not None:
                context.pre_execution_errors = [error]
        yield

    def _judge(self, request_context: Any, operation_name: str | None) -> GraphQLError | None:
        document = self.execution_context.graphql_document
        assert document is not None
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        chosen = [
            o
            for o in operations
            if operation_name is None or (o.name is not None and o.name.value == operation_name)
        ]
        if len(chosen) != 1:
            return None  # graphql-core reports a missing or ambiguous operation itself
        (operation,) = chosen
        principal = getattr(request_context, "principal", None)
        if operation.operation is OperationType.MUTATION and getattr(principal, "via_token", True):
            return read_only_refusal(operation)
        budget: QueryBudget | None = getattr(request_context, "budget", None)
        if budget is not None:
            return over_budget(operation, fragments, budget)
        return None
