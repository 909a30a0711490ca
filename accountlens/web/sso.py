"""Sign-in through the org's OpenID provider: the e-mail's domain picks it.

``POST /sign-in/sso`` (the sign-in form's "Sign in with SSO" button) sends the browser to the
provider; the provider sends it back to ``GET /sign-in/sso/callback``, which starts the same
server-side session as a password sign-in. The ``next`` path (an MCP client's consent page, for
one) rides in the server-side attempt, never through the provider, and is checked again here.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from accountlens.auth.api import SsoRefused, get_auth_service
from accountlens.web.account import start_session
from accountlens.web.browser import csrf_ok, error_page, read_session, render, safe_next

router = APIRouter(include_in_schema=False)

SSO_PATH = "/sign-in/sso"
CALLBACK_PATH = "/sign-in/sso/callback"


@router.post(SSO_PATH, response_class=HTMLResponse)
async def sso_start(request: Request) -> Response:
    form = await request.form()
    target = safe_next(str(form.get("next") or "/"))
    email = str(form.get("email") or "").strip()
    session = read_session(request)
    if session is None or not csrf_ok(request, form.get("csrf_token")):
        return error_page(request, "Expired form", "Reload the page and try again.", 403)
    try:
        address = request.client.host if request.client else "unknown"
        url = await get_auth_service(request).sso_start(email, session.nonce, target, address)
    except SsoRefused as refused:
        context = {"next": target, "error": refused.reason, "email": email}
        return render(request, "sign_in.html", context, status_code=refused.status_code)
    return RedirectResponse(url, status_code=303)


@router.get(CALLBACK_PATH, response_class=HTMLResponse)
async def sso_callback(request: Request) -> Response:
    session = read_session(request)
    params = {k: v for k, v in request.query_params.items() if k in ("state", "code", "error")}
    service = get_auth_service(request)
    try:
        if session is None:  # no cookie: not the browser that started this sign-in
            raise SsoRefused("This sign-in was started in another browser. Start again.", 400)
        signed_in = await service.sso_finish(params, session.nonce)
    except SsoRefused as refused:
        return error_page(
            request, "Single sign-on did not sign you in", refused.reason, refused.status_code
        )
    await service.end_session(session)  # one browser, one session, as with a password
    return await start_session(
        request, signed_in.org_id, signed_in.user_id, safe_next(signed_in.next_path)
    )


__all__ = ["CALLBACK_PATH", "SSO_PATH", "router"]
