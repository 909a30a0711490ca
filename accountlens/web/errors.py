"""Error answers: an HTML page for browsers, JSON (or the plain default) for API clients.

A browser (``Accept: text/html``) that asks for an unknown page, uses the wrong method or hits a
fault gets our error page, with the signed-in header when it is signed in. API clients keep the
framework's JSON (``{"detail": …}``), and the machine endpoints (``/mcp``, ``/graphql``,
``/oauth/*``, metadata, health, metrics) answer exactly as before whatever the Accept header
says: their clients parse those errors. A fault never shows its traceback to anyone.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, Response

from accountlens.auth.api import DATABASE_UNAVAILABLE
from accountlens.web.browser import current_principal, error_page

log = logging.getLogger(__name__)

#: Paths whose clients are programs: their error answers never change with Accept.
MACHINE_PREFIXES = (
    "/mcp",
    "/graphql",
    "/oauth",
    "/.well-known",
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
)

_PAGES = {
    401: ("Sign in required", "Sign in to see this page."),
    403: ("Not allowed", "You may not open this page."),
    404: ("Page not found", "There is nothing at this address."),
    405: ("Not available", "This address does not take that kind of request."),
    503: ("Temporarily unavailable", "AccountLens cannot reach its database. Try again shortly."),
}
_FAULT = ("Something went wrong", "The error has been logged. Try again in a moment.")


def wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(MACHINE_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "").lower()


async def _page(request: Request, status_code: int) -> Response:
    try:
        await current_principal(request)  # for the header; the error page works without it
    except Exception:  # the database may be the very thing that failed
        request.state.web_principal = None
    title, detail = _PAGES.get(status_code, _FAULT)
    return error_page(request, title, detail, status_code)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if not wants_html(request):
        return await http_exception_handler(request, exc)
    response = await _page(request, exc.status_code)
    for name, value in (exc.headers or {}).items():  # e.g. Allow on a 405
        response.headers.setdefault(name, value)
    return response


async def fault(request: Request, exc: Exception) -> Response:
    """An exception nothing handled: Starlette logs it after this answer is sent."""
    if request.url.path.startswith(MACHINE_PREFIXES):
        return PlainTextResponse("Internal Server Error", 500)  # Starlette's own answer
    unavailable = isinstance(exc, DATABASE_UNAVAILABLE)
    status_code = 503 if unavailable else 500
    if not wants_html(request):
        return PlainTextResponse(
            "Service Unavailable" if unavailable else "Internal Server Error", status_code
        )
    return await _page(request, status_code)


def install_error_pages(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, fault)
