"""Wiring the web UI into the app: pages, static files (htmx from its package) and headers."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from accountlens.auth.untrusted_input import UnstorableInputError, refuse_unstorable_input
from accountlens.config import Settings
from accountlens.web import (
    account,
    activity,
    admin,
    admin_fields,
    consent,
    explorer,
    pages,
    service_tokens,
    sso,
)
from accountlens.web.browser import error_page
from accountlens.web.errors import install_error_pages

STATIC_DIR = Path(__file__).parent / "static"


def htmx_path() -> Path:
    """htmx as installed by the django-js-lib-htmx package (we do not vendor it)."""
    return Path(str(files("js_lib_htmx") / "static" / "htmx" / "htmx.min.js"))


class UnstorablePageInputError(UnstorableInputError):
    """:class:`UnstorableInputError` on a page: answered with an HTML error page."""


async def refuse_unstorable_page_input(request: Request) -> None:
    """The auth boundary check (NUL bytes, lone surrogates) for sign-in, consent and the rest."""
    try:
        await refuse_unstorable_input(request)
    except UnstorableInputError as exc:
        raise UnstorablePageInputError from exc


async def unstorable_page_response(request: Request, exc: Exception) -> Response:
    return error_page(request, "This request is not valid", str(exc), 400)


def install_web(app: FastAPI, settings: Settings) -> None:
    checked = [Depends(refuse_unstorable_page_input)]
    app.include_router(service_tokens.router, dependencies=checked)
    app.include_router(pages.router, dependencies=checked)
    app.include_router(account.router, dependencies=checked)
    app.include_router(sso.router, dependencies=checked)
    app.include_router(admin.router, dependencies=checked)
    app.include_router(admin_fields.router, dependencies=checked)
    app.include_router(activity.router, dependencies=checked)
    app.include_router(consent.router, dependencies=checked)
    app.add_exception_handler(UnstorablePageInputError, unstorable_page_response)
    app.include_router(explorer.router, dependencies=checked)
    app.state.graphql_explorer = explorer.explorer_page
    script = htmx_path()

    @app.get("/static/htmx.min.js", include_in_schema=False)
    async def htmx() -> FileResponse:
        return FileResponse(
            script, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
        )

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_pages(app)
