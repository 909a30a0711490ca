"""Sign-in, sign-out, the home page and Admin → Settings → MCP Connections."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from accountlens.auth.api import SignInRefused, get_auth_service
from accountlens.auth.sessions import BrowserSession
from accountlens.web import connections_source
from accountlens.web.account import WORKSPACE_PATH, start_session
from accountlens.web.browser import (
    csrf_ok,
    current_principal,
    error_page,
    read_session,
    render,
    safe_next,
    sign_in_redirect,
    store_session,
)

router = APIRouter(include_in_schema=False)

CONNECTIONS_PATH = "/admin/settings/connections"


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    principal = await current_principal(request)
    if principal is None:
        return sign_in_redirect(request)
    return render(request, "home.html", {}, principal=principal)


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request, next: str = "/") -> Response:
    notice = request.query_params.get("n") == "password-set"
    context = {"next": safe_next(next), "error": None, "notice": notice}
    return render(request, "sign_in.html", context)


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request) -> Response:
    form = await request.form()
    target = safe_next(str(form.get("next") or "/"))
    if not csrf_ok(request, form.get("csrf_token")):
        return error_page(request, "Expired form", "Reload the page and try again.", 403)
    service = get_auth_service(request)
    address = request.client.host if request.client else "unknown"
    email = str(form.get("email") or "")
    try:
        accounts = await service.sign_in(email, str(form.get("password") or ""), address)
    except SignInRefused as refused:
        status = 429 if refused.retry_later else 403 if refused.single_sign_on else 401
        context = {"next": target, "error": refused.reason, "email": email}
        page = render(request, "sign_in.html", context, status_code=status)
        if refused.retry_after is not None:
            page.headers["Retry-After"] = str(refused.retry_after)
        return page
    # Whatever this browser was signed in as before ends here: one browser, one session.
    await service.end_session(read_session(request))
    if len(accounts) > 1:
        # One e-mail, several orgs whose password matched: the person picks the workspace.
        response = RedirectResponse(
            f"{WORKSPACE_PATH}?next={quote(target, safe='')}", status_code=303
        )
        pairs = tuple((a.org_id, a.user_id) for a in accounts)
        store_session(response, request, BrowserSession.choosing(pairs))
        return response
    return await start_session(request, accounts[0].org_id, accounts[0].user_id, target)


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    """End the server-side session (its cookie opens nothing any more) and forget the cookie."""
    form = await request.form()
    if not csrf_ok(request, form.get("csrf_token")):
        return error_page(request, "Expired form", "Reload the page and try again.", 403)
    await get_auth_service(request).end_session(read_session(request))
    response = RedirectResponse("/sign-in", status_code=303)
    store_session(response, request, BrowserSession.anonymous())
    return response


@router.get("/admin/settings", include_in_schema=False)
async def admin_settings_index() -> Response:
    """Admin → Settings opens on MCP Connections (org settings are one link away)."""
    return RedirectResponse(CONNECTIONS_PATH, status_code=303)


@router.get(CONNECTIONS_PATH, response_class=HTMLResponse)
async def connections_page(request: Request) -> Response:
    principal = await current_principal(request)
    if principal is None:
        return sign_in_redirect(request)
    live, history = await connections_source.list_connections(request, principal)
    context = {
        "connections": [c for c in live if c.kind != "service"],
        "tokens": [c for c in live if c.kind == "service"],
        "history": history,
        "notice": request.query_params.get("n"),
        "token_days": (30, 90, 365),
    }
    return render(request, "connections.html", context, principal=principal)


@router.get(CONNECTIONS_PATH + "/revoke-all", response_class=HTMLResponse)
async def revoke_all_confirm(
    request: Request, owner: str | None = None, client: str | None = None
) -> Response:
    """The confirmation step of an admin's "Revoke all" (no JavaScript needed)."""
    principal = await current_principal(request)
    if principal is None:
        return sign_in_redirect(request)
    live, _ = await connections_source.list_connections(request, principal)
    matched = [
        c for c in live if (owner and c.owner_id == owner) or (client and c.client_id == client)
    ]
    if not principal.is_admin or not matched or (owner is None) == (client is None):
        return error_page(request, "Not found", "There are no such connections.", 404)
    context = {"matched": matched, "owner": owner, "client": client}
    return render(request, "revoke_all.html", context, principal=principal)


@router.post(CONNECTIONS_PATH + "/revoke-all")
async def revoke_all(request: Request) -> Response:
    principal = await current_principal(request)
    if principal is None:
        return sign_in_redirect(request)
    form = await request.form()
    if not csrf_ok(request, form.get("csrf_token")):
        return error_page(request, "Expired form", "Reload the page and try again.", 403)
    owner, client = form.get("owner"), form.get("client")
    count = await connections_source.revoke_all(
        request,
        principal,
        owner_id=owner if isinstance(owner, str) and owner else None,
        client_id=client if isinstance(client, str) and client else None,
    )
    if count is None:
        return error_page(request, "Not found", "There are no such connections.", 404)
    return RedirectResponse(f"{CONNECTIONS_PATH}?n={count}", status_code=303)


@router.get(CONNECTIONS_PATH + "/{connection_id}/revoke", response_class=HTMLResponse)
async def revoke_confirm(request: Request, connection_id: str) -> Response:
    """Without JavaScript, Revoke lands here first: one more click confirms it."""
    principal = await current_principal(request)
    if principal is None:
        return sign_in_redirect(request)
    found = await connections_source.find_connection(request, principal, connection_id)
    if found is None or found.ended:
        return error_page(request, "Not found", "There is no such connection.", 404)
    return render(request, "revoke.html", {"c": found}, principal=principal)


@router.post(CONNECTIONS_PATH + "/{connection_id}/revoke")
async def revoke(request: Request, connection_id: str) -> Response:
    """Revoke; htmx gets an empty 200 (the row is swapped out), plain forms a redirect."""
    principal = await current_principal(request)
    if principal is None:
        return sign_in_redirect(request)
    form = await request.form()
    if not csrf_ok(request, form.get("csrf_token")):
        return error_page(request, "Expired form", "Reload the page and try again.", 403)
    if not await connections_source.revoke(request, principal, connection_id):
        return error_page(request, "Not found", "There is no such connection.", 404)
    if request.headers.get("HX-Request") == "true":
        if form.get("then") == "detail":  # the detail page reloads to show the revocation
            detail = f"{CONNECTIONS_PATH}/{quote(connection_id, safe='')}"
            return HTMLResponse("", headers={"HX-Redirect": detail})
        return HTMLResponse("")
    return RedirectResponse(CONNECTIONS_PATH, status_code=303)
