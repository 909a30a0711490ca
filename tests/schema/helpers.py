"""Helpers for running GraphQL operations in-process as a given principal."""

from __future__ import annotations

from typing import Any

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from accountlens.schema.context import build_context
from accountlens.schema.root import schema


async def execute(
    db: Database,
    principal: Principal,
    query: str,
    *,
    context: dict[str, Any] | None = None,
    **variables: Any,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """``(data, errors)`` of one operation, errors as their client-facing dicts.

    ``context`` holds extra ``build_context`` keywords (``embedder``, ``tuning``).
    """
    async with build_context(principal, db, **(context or {})) as context_value:
        result = await schema.execute(query, variable_values=variables, context_value=context_value)
    errors = [e.formatted for e in result.errors or ()]
    return result.data, [dict(e) for e in errors]


async def data_of(
    db: Database,
    principal: Principal,
    query: str,
    *,
    context: dict[str, Any] | None = None,
    **variables: Any,
) -> dict[str, Any]:
    """The data of an operation that must succeed."""
    data, errors = await execute(db, principal, query, context=context, **variables)
    assert not errors, errors
    assert data is not None
    return data
