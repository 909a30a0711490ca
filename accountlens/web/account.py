"""Choosing the workspace after sign-in, and changing one's own password.

One e-mail may have accounts in several orgs, each with its own password. When the password
matches more than one, the sign-in form sends the person here with the matching accounts in
the (signed, short-lived) cookie: only orgs whose password matched are listed, so an org whose
password did not match is never named. Picking one starts the server-side session in that org;
every page, consent and connection afterwards belongs to it.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.responses import Response

from accountlens.auth.api import PasswordChangeRefused, get_auth_service
from accountlens.auth.sessions import BrowserSession
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

WORKSPACE_PATH = "/sign-in/workspace"
PASSWORD_PATH = "/account/password"  # noqa: S105 - a path, not a secret


async def start_session(
    request: Request, org_id: uuid.UUID, user_id: uuid.UUID, target: str
) -> Response:
    """Start a server-side session in ``org_id`` and send the browser on to ``target``."""
    session_id = await get_auth_service(request).start_session(org_id, user_id)
    if session_id is None:  # disabled between the password and now
        return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)
    response = RedirectResponse(target, status_code=303)
    # A new nonce and session id at sign-in: nothing planted before sign-in is worth anything.
    store_session(response, request, BrowserSession.signed_in(org_id, session_id))
    return response


def _back_to_sign_in(target: str) -> Response:
    return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)


@router.get(WORKSPACE_PATH, response_class=HTMLResponse)
async def choose_workspace(request: Request, next: str = "/") -> Response:
    target = safe_next(next)
    session = read_session(request)
    pending = session.choice if session is not None else None
    choices = await get_auth_service(request).workspace_choices(pending)
    if not choices:  # no pending choice, or it has expired
        return _back_to_sign_in(target)
    return render(request, "workspace.html", {"choices": choices, "next": target})


@router.post(WORKSPACE_PATH)
async def pick_workspace(request: Request) -> Response:
    form = await request.form()
    target = safe_next(str(form.get("next") or "/"))
    if not csrf_ok(request, form.get("csrf_token")):
        return error_page(request, "Expired form", "Reload the page and try again.", 403)
    session = read_session(request)
    if session is None or session.choice is None:
        return _back_to_sign_in(target)
    try:
        org_id = uuid.UUID(str(form.get("org") or ""))
    except ValueError:
        return error_page(request, "Pick a workspace", "Choose one of the listed workspaces.")
    user_id = session.choice.user_in(org_id)
    if user_id is None:  # not one the password matched: the same answer as a made-up id
        return error_page(request, "Pick a workspace", "Choose one of the listed workspaces.")
    return await start_session(request, org_id, user_id, target)


@router.get(PASSWORD_PATH, response_class=HTMLResponse)
async def password_form(request: Request) -> Response:
    principal = await current_principal(request)
    if principal is None:
        return sign_in_redirect(request)
    return render(request, "password.html", {"error": None, "done": False}, principal=principal)


@router.post(PASSWORD_PATH, response_class=HTMLResponse)
async def change_password(request: Request) -> Response:
    """A new password ends every other session of the user; this browser stays signed in."""
    principal = await current_principal(request)
    session = read_session(request)
    if principal is None or session is None:
        return sign_in_redirect(request)
    form = await request.form()
    if not csrf_ok(request, form.get("csrf_token")):
        return error_page(request, "Expired form", "Reload the page and try again.", 403)
    new = str(form.get("new_password") or "")
    error = None
    if new != str(form.get("confirm_password") or ""):
        error = "The two new passwords differ."
    else:
        try:
            await get_auth_service(request).change_password(
                session, str(form.get("current_password") or ""), new
            )
        except PasswordChangeRefused as refused:
            error = refused.reason
    context = {"error": error, "done": error is None}
    return render(
        request,
        "password.html",
        context,
        principal=principal,
        status_code=400 if error else 200,
    )


FORGOT_PATH = "/sign-in/forgot"
SET_PASSWORD_PATH = "/account/set-password"  # noqa: S105 - a path, not a secret


@router.get(FORGOT_PATH, response_class=HTMLResponse)
async def forgot_form(request: Request) -> Response:
    return render(request, "forgot.html", {"sent": False})


@router.post(FORGOT_PATH, response_class=HTMLResponse)
async def forgot(request: Request) -> Response:
    """The same answer whatever the e-mail: nothing is looked up, so nothing can leak.

    There is no mail server: an admin makes the reset link (Admin → People) or an operator
    prints one (``accountlens users reset-link``), and hands it over.
    """
    form = await request.form()
    if not csrf_ok(request, form.get("csrf_token")):
        return error_page(request, "Expired form", "Reload the page and try again.", 403)
    return render(request, "forgot.html", {"sent": True})


@router.get(SET_PASSWORD_PATH, response_class=HTMLResponse)
async def set_password_form(request: Request, t: str = "") -> Response:
    holder = await get_auth_service(request).link_holder(t[:200])
    if holder is None:
        return error_page(
            request,
            "Link not valid",
            "This link was used or has expired. Ask your admin for a new one.",
            404,
        )
    context = {"holder": holder, "token": t, "error": None}
    return render(request, "set_password.html", context)


@router.post(SET_PASSWORD_PATH, response_class=HTMLResponse)
async def set_password(request: Request) -> Response:
    """Redeem the link: the password is set, the link is used up, then the person signs in."""
    form = await request.form()
    if not csrf_ok(request, form.get("csrf_token")):
        return error_page(request, "Expired form", "Reload the page and try again.", 403)
    token = str(form.get("t") or "")[:200]
    service = get_auth_service(request)
    holder = await service.link_holder(token)
    if holder is None:
        return error_page(
            request,
            "Link not valid",
            "This link was used or has expired. Ask your admin for a new one.",
            404,
        )
    new = str(form.get("new_password") or "")
    error = None
    if new != str(form.get("confirm_password") or ""):
        error = "The two passwords differ."
    else:
        try:
            await service.redeem_link(token, new)
        except PasswordChangeRefused as refused:
            error = refused.reason
    if error is not None:
        context = {"holder": holder, "token": token, "error": error}
        return render(request, "set_password.html", context, status_code=400)
    return RedirectResponse("/sign-in?n=password-set", status_code=303)
