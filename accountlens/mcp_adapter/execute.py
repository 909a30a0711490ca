"""In-process execution of compiled operations as the connection's principal.

Operations run through Strawberry's ``schema.execute`` (never gql's local transport), so the
schema's extensions apply to tool calls exactly as to ``/graphql``: depth, alias, token and cost
limits, and error masking. Only query operations are allowed: a tool can never reach the one
mutation. The schema and the context factory are handed in by the app (the adapter may not import
the schema package's resolvers, even indirectly).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from graphql import GraphQLSchema
from strawberry import Schema
from strawberry.types.graphql import OperationType

from accountlens.auth.principal import Principal
from accountlens.mcp_adapter.compile import Operation
from accountlens.mcp_adapter.errors import ToolInputError, from_graphql

#: A context for one operation as a principal, given the call's HTTP request (the app finds the
#: request's unit of work on it, so the reads share its transaction) or None; closing the
#: context ends the operation's own read transaction.
ContextFactory = Callable[[Principal, Any], AbstractAsyncContextManager[Any]]


class Executor:
    """Runs operations against the Strawberry schema with a context built for a principal."""

    def __init__(self, schema: Schema, context_for: ContextFactory) -> None:
        self._schema = schema
        self._context_for = context_for

    @property
    def graphql_schema(self) -> GraphQLSchema:
        """The graphql-core schema that gql's DSL compiles against."""
        return self._schema._schema

    async def run(
        self, principal: Principal, operation: Operation, request: Any = None
    ) -> dict[str, Any]:
        """The operation's ``data``; any GraphQL error becomes a :class:`ToolInputError`."""
        async with self._context_for(principal, request) as context:
            result = await self._schema.execute(
                operation.document,
                variable_values=operation.variables,
                context_value=context,
                operation_name=operation.name,
                allowed_operation_types={OperationType.QUERY},
            )
        if result.errors:
            if all(_refused_document(e.formatted) for e in result.errors):
                raise InvalidOperationError(operation.name, [e.message for e in result.errors])
            raise from_graphql([dict(e.formatted) for e in result.errors])
        return dict(result.data or {})


class InvalidOperationError(ToolInputError):
    """Our compiled document failed GraphQL validation: a bug of ours, never the caller's.

    ``problems`` are the validator's messages; they describe the document (field and type
    names), never the variables, so they are safe to log.
    """

    def __init__(self, operation: str, problems: list[str]) -> None:
        super().__init__(
            "the request could not be answered; try again or simplify it", code="INTERNAL"
        )
        self.operation = operation
        self.problems = problems


def _refused_document(error: Mapping[str, Any]) -> bool:
    """A validation error: no path (nothing ran) and no code (limits carry theirs)."""
    return not error.get("path") and not (error.get("extensions") or {}).get("code")
