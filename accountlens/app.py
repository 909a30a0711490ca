"""The FastAPI application: OAuth, GraphQL, MCP, the web UI and the health endpoints.

``create_app`` takes an already-open :class:`~accountlens.db.engine.Database` or opens one in its
lifespan, so tests and ``accountlens serve`` build the same app. Its middleware stack is declared
once, here, in :func:`http_stack`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.middleware import Middleware

from accountlens import __version__
from accountlens.auth.audit import DatabaseAuditLog
from accountlens.auth.cors import CrossOrigin
from accountlens.auth.install import install_auth
from accountlens.auth.principal import Principal
from accountlens.auth.request_principal import RequestPrincipal
from accountlens.auth.request_unit import unit_of
from accountlens.config import Settings, get_settings
from accountlens.db.engine import Database, open_database
from accountlens.db.faults import failure_cause
from accountlens.db.migrate import prepare_database
from accountlens.mcp_adapter.server import McpBackend, install_mcp, running_mcp
from accountlens.resolvers.reader import read_along
from accountlens.resolvers.semantic import QueryEmbedder
from accountlens.schema.context import Context, build_context
from accountlens.schema.http import graphql_router
from accountlens.schema.inprocess import execute_graphql
from accountlens.schema.root import schema
from accountlens.telemetry.body_limit import BodySizeLimit
from accountlens.telemetry.install import install_telemetry
from accountlens.telemetry.metrics import watch_pool
from accountlens.telemetry.middleware import RequestTelemetry
from accountlens.web import records
from accountlens.web.install import install_web
from accountlens.web.security import SecurityHeaders

log = logging.getLogger(__name__)


def http_stack(settings: Settings) -> list[Middleware]:
    """Every layer a request passes before it reaches a route, outermost first.

    The one place their order is decided (installers add routes, never middleware).
    """
    return [
        # Request ID and metrics first, so every answer made further in (413, 401, 429, 503)
        # is counted and carries an X-Request-ID.
        Middleware(RequestTelemetry),
        # Security headers (CSP, framing, HSTS) on every answer, refusals included.
        Middleware(SecurityHeaders, hsts=settings.public_url.startswith("https://")),
        # CORS before authentication: preflights carry no credentials, and a browser client
        # must be able to read a 401's WWW-Authenticate to start OAuth.
        Middleware(CrossOrigin, mcp_origins=settings.cors_origins),
        # The body ceiling before anything reads a body.
        Middleware(BodySizeLimit),
        # The one credentials check of /mcp and /graphql (token, or session on /graphql),
        # with the per-connection rate limit (the auth options'); /mcp answers 401 before any 405.
        # The token check also reads what the reader would read first (a member's book and
        # hidden fields): the reader builds those columns, and only here may both layers meet.
        Middleware(RequestPrincipal, read_along=read_along()),
    ]


def create_app(
    settings: Settings | None = None, database: Database | None = None, *, prepared: bool = False
) -> FastAPI:
    """Build the app. With no ``database``, the lifespan opens (and later closes) one.

    It also prepares that database (migrations, grants) unless ``prepared`` says the caller has:
    ``serve`` does it once before starting its workers, which must not all do it at once.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        db = database or await open_database(settings)
        if owned and not prepared:
            await prepare_database(db, starting_server=True)
        app.state.db = db
        watch_pool(db.engine)
        try:
            async with running_mcp(app):
                yield
        finally:
            if owned:
                await db.close()

    app = FastAPI(
        title="AccountLens",
        version=__version__,
        lifespan=lifespan,
        docs_url="/docs" if settings.is_development else None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.is_development else None,
        middleware=http_stack(settings),
    )
    app.state.settings = settings
    install_telemetry(app, settings)
    install_auth(app, settings)
    install_web(app, settings)
    app.include_router(records.router)
    app.state.graphql_execute = execute_graphql
    app.include_router(graphql_router(settings))
    install_mcp(app, settings, _mcp_backend(app, settings))

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers. Never touches the database."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        """Readiness: the database answers (503 while it does not); a replica's state beside."""
        db: Database = app.state.db
        try:
            await db.ping()
        except (OSError, DBAPIError, OperationalError, TimeoutError) as exc:
            log.warning("readiness check failed: %s", failure_cause(exc))
            return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
        replica = await db.replica_status()
        if replica is None:
            return JSONResponse({"status": "ok", "database": "up"})
        # A replica that is down costs capacity, not correctness: reads fall back to the
        # primary, so the process stays in the balancer (degraded, not unready).
        status = "ok" if replica == "up" else "degraded"
        return JSONResponse({"status": status, "database": "up", "replica": replica})

    return app


def _mcp_backend(app: FastAPI, settings: Settings) -> McpBackend:
    """What the MCP adapter may not import itself: the schema and the audit log."""

    @cache
    def default_embedder() -> QueryEmbedder:
        from accountlens.ingest.embeddings import embedder_from_settings  # loads a model: lazily

        return embedder_from_settings(settings)

    def context_for(principal: Principal, request: Any) -> Context:
        configured: QueryEmbedder | None = getattr(app.state, "embedder", None)
        embedder = configured if configured is not None else default_embedder()
        return build_context(
            principal,
            app.state.db,
            embedder=embedder,
            total_cap=settings.list_total_cap,
            search_cap=settings.search_candidate_cap,
            unit=unit_of(request),  # the call's reads join its bearer check's transaction
        )

    return McpBackend(
        schema=schema,
        context_for=context_for,
        audit=DatabaseAuditLog(lambda: app.state.db, max_record_ids=settings.audit_max_record_ids),
    )
