"""Executing an operation in-process, as a given principal (for the web pages).

The web package may not import the schema (it would reach resolvers and the database through
it), so the app hands this function to it on ``app.state.graphql_execute``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from accountlens.auth.principal import Principal
from accountlens.schema.context import build_context
from accountlens.schema.root import schema


class OperationFailed(Exception):  # noqa: N818 - an outcome carrying the GraphQL error codes
    """The operation answered with errors; ``codes`` are their ``extensions.code`` values."""

    def __init__(self, codes: list[str], messages: list[str] | None = None) -> None:
        super().__init__(", ".join(codes))
        self.codes = codes
        #: The client errors' messages (safe to show: masked faults say "Unexpected error.").
        self.messages = messages or []


async def execute_graphql(
    request: Request,
    principal: Principal,
    document: str,
    variables: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Run ``document`` as ``principal``; the ``data`` dict, or :class:`OperationFailed`."""
    async with build_context(principal, request.app.state.db, request) as context:
        result = await schema.execute(
            document, variable_values=dict(variables or {}), context_value=context
        )
    if result.errors:
        raise OperationFailed(
            [str((e.extensions or {}).get("code", "INTERNAL")) for e in result.errors],
            [e.message for e in result.errors],
        )
    return dict(result.data or {})
