"""Per-request browser state: the session cookie, the signed-in principal, CSRF, rendering."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from accountlens.auth.api import get_auth_service
from accountlens.auth.principal import Principal
from accountlens.auth.sessions import BrowserSession, SessionCodec
from accountlens.config import is_loopback_host

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def codec(request: Request) -> SessionCodec:
    return SessionCodec(get_auth_service(request).options)


def read_session(request: Request) -> BrowserSession | None:
    options = get_auth_service(request).options
    return codec(request).load(request.cookies.get(options.session_cookie_name))


async def current_principal(request: Request) -> Principal | None:
    """The signed-in person, remembered on the request so its error pages show the header."""
    principal = await get_auth_service(request).principal_for_session(read_session(request))
    request.state.web_principal = principal
    return principal


def store_session(response: Response, request: Request, session: BrowserSession) -> None:
    codec_ = codec(request)
    response.set_cookie(value=codec_.dump(session), **codec_.cookie_attributes())


def csrf_ok(request: Request, token: object) -> bool:
    return codec(request).check_csrf(
        read_session(request), token if isinstance(token, str) else None
    )


def safe_next(target: str | None) -> str:
    """Only same-site paths: never ``//host`` or ``/\\host`` (open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ch in target for ch in "\r\n\\"):
        return "/"
    return target


def sign_in_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    principal: Principal | None = None,
) -> HTMLResponse:
    """Render a page with a CSRF token bound to the (possibly new) session."""
    session = read_session(request)
    fresh = session is None
    if session is None:
        session = BrowserSession.anonymous()
    options = get_auth_service(request).options
    response = templates.TemplateResponse(
        request,
        template,
        {
            "csrf_token": codec(request).csrf_token(session),
            "principal": principal,
            "mcp_url": options.resource,
            # Claude.ai and Claude Desktop reach the server from Anthropic's cloud: a loopback
            # URL can only serve clients on this machine, so the home page says which.
            "mcp_on_loopback": is_loopback_host(urlsplit(options.resource).hostname),
            **context,
        },
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    if fresh:
        store_session(response, request, session)
    return response


def error_page(
    request: Request,
    title: str,
    detail: str,
    status_code: int = 400,
    *,
    principal: Principal | None = None,
) -> HTMLResponse:
    """An error page; with the signed-in header when the handler already knew who is asking."""
    known = principal or getattr(request.state, "web_principal", None)
    return render(
        request,
        "error.html",
        {"title": title, "detail": detail},
        status_code=status_code,
        principal=known,
    )
