"""Wiring the web UI into the app: pages, static files (htmx from its package) and headers."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from accountlens.config import Settings
from accountlens.web import account, consent, explorer, pages
from accountlens.web.errors import install_error_pages
from accountlens.web.security import SecurityHeaders

STATIC_DIR = Path(__file__).parent / "static"


def htmx_path() -> Path:
    """htmx as installed by the django-js-lib-htmx package (we do not vendor it)."""
    return Path(str(files("js_lib_htmx") / "static" / "htmx" / "htmx.min.js"))


def install_web(app: FastAPI, settings: Settings) -> None:
    app.include_router(pages.router)
    app.include_router(account.router)
    app.include_router(consent.router)
    app.include_router(explorer.router)
    app.state.graphql_explorer = explorer.explorer_page
    script = htmx_path()

    @app.get("/static/htmx.min.js", include_in_schema=False)
    async def htmx() -> FileResponse:
        return FileResponse(
            script, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
        )

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeaders, hsts=settings.public_url.startswith("https://"))
    install_error_pages(app)
