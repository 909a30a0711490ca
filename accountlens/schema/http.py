"""``/graphql`` over HTTP: the same schema and context as in-process callers.

Authentication happens before this router: the web session or bearer-token middleware puts a
``Principal`` on ``request.state.principal``. Without one the request is refused with 401.
A browser asking for HTML (``GET``, ``Accept: text/html``) gets the explorer that the web layer
registers as ``app.state.graphql_explorer`` (GraphiQL from our own origin: ``web/explorer.py``);
Strawberry's built-in page loads its scripts from a CDN, which our CSP blocks.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import cache
from typing import Any, cast

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from strawberry.fastapi import GraphQLRouter

from accountlens.auth.request_unit import unit_of
from accountlens.config import Settings
from accountlens.resolvers.semantic import QueryEmbedder
from accountlens.schema.context import Context, build_context
from accountlens.schema.request_policy import QueryBudget
from accountlens.schema.root import schema


class _Router(GraphQLRouter[Context, None]):
    """Strawberry's router, answering a body it cannot read as JSON with 400, never a 500."""

    def decode_json(self, data: str | bytes) -> object:
        try:
            return json.loads(data)
        except (RecursionError, UnicodeDecodeError) as error:
            # Nested deeper than the parser recurses, or not UTF-8: Strawberry turns only
            # ``JSONDecodeError`` into "Unable to parse request body as JSON" (400).
            raise json.JSONDecodeError(type(error).__name__, "", 0) from None

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        explorer: Callable[[Request], Awaitable[HTMLResponse]] | None = getattr(
            request.app.state, "graphql_explorer", None
        )
        if explorer is None:
            raise HTTPException(status_code=404)
        return await explorer(request)


def graphql_router(settings: Settings) -> APIRouter:
    """The ``/graphql`` route, authenticated by whatever set ``request.state.principal``."""
    budget = QueryBudget(
        max_root_fields=settings.graphql_max_root_fields,
        max_searches=settings.graphql_max_searches,
    )

    @cache
    def default_embedder() -> QueryEmbedder:
        from accountlens.ingest.embeddings import embedder_from_settings

        return embedder_from_settings(settings)

    def embedder_for(request: Request) -> QueryEmbedder:
        configured: Any = getattr(request.app.state, "embedder", None)
        return configured if configured is not None else default_embedder()

    async def context_getter(request: Request) -> AsyncIterator[Context]:
        principal = getattr(request.state, "principal", None)
        if principal is None:
            raise HTTPException(
                status_code=401,
                detail="authentication required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        # A dependency with ``yield``: the operation's read transaction ends after it ran.
        async with build_context(
            principal,
            request.app.state.db,
            request,
            embedder=embedder_for(request),
            budget=budget,
            total_cap=settings.list_total_cap,
            search_cap=settings.search_candidate_cap,
            unit=unit_of(request),  # a bearer request's reads join its token check's transaction
        ) as context:
            yield context

    router: GraphQLRouter[Context, None] = _Router(
        schema,
        path="/graphql",
        # Strawberry hands the getter to FastAPI as a dependency, where ``yield`` is allowed;
        # its annotation only knows plain functions.
        context_getter=cast(Any, context_getter),
        # Only switches on Strawberry's "browser asks for HTML" branch: the page is ours (above).
        graphql_ide="graphiql",
        allow_queries_via_get=False,
    )
    return router
