"""The FastAPI application: health endpoints now, GraphQL, OAuth, MCP and the web UI as they land.

``create_app`` takes an already-open :class:`~accountlens.db.engine.Database` or opens one in its
lifespan, so tests and ``accountlens serve`` build the same app.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError

from accountlens import __version__
from accountlens.config import Settings, get_settings
from accountlens.db.engine import Database, open_database
from accountlens.db.migrate import upgrade

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the app. With no ``database``, the lifespan opens (and later closes) one."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        db = database or await open_database(settings)
        if owned:
            await upgrade(db.engine)
        app.state.db = db
        try:
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
    )
    app.state.settings = settings

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers. Never touches the database."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        """Readiness: the database answers. 503 while it does not."""
        db: Database = app.state.db
        try:
            await db.ping()
        except (OSError, DBAPIError, OperationalError, TimeoutError) as exc:
            log.warning("readiness check failed: %s", type(exc).__name__)
            return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "up"})

    return app
