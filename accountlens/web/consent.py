"""``/oauth/authorize``: sign-in if needed, then the consent page, then back to the client.

A request that fails validation (unknown client, unregistered redirect URI, missing PKCE, bad
scope or response type …) gets an error page, never a redirect: until a signed-in user approves,
the redirect target is exactly what cannot be trusted (RFC 9700 §4.11.2). Only the user's own
decision goes back to the client, with ``state`` and ``iss``. The decision is a CSRF-protected
POST that repeats the original parameters, which the server validates again.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import ImmutableMultiDict
from starlette.responses import Response

from accountlens.auth.api import AuthorizationError, ConsentRequest, get_auth_service
from accountlens.web.browser import csrf_ok, current_principal, error_page, render, sign_in_redirect

router = APIRouter(include_in_schema=False)

# The parameters the consent form carries back: the standard ones plus PKCE and RFC 8707.
AUTHORIZE_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "resource",
)


def _params(source: ImmutableMultiDict[str, str] | object) -> tuple[dict[str, str], set[str]]:
    assert isinstance(source, ImmutableMultiDict)
    values = {k: str(v) for k, v in source.items() if k in AUTHORIZE_PARAMS}
    repeated = {k for k in source if len(source.getlist(k)) > 1}
    return values, repeated


def _failure(request: Request, failure: AuthorizationError) -> Response:
    return error_page(
        request, "This connection request is not valid", f"{failure.error}: {failure.description}"
    )


@router.get("/oauth/authorize", response_class=HTMLResponse)
async def authorize(request: Request) -> Response:
    params, repeated = _params(request.query_params)
    checked = await get_auth_service(request).validate_authorization(params, repeated)
    if isinstance(checked, AuthorizationError):
        return _failure(request, checked)
    principal = await current_principal(request)
    if principal is None:
        return sign_in_redirect(request)
    return render(
        request,
        "consent.html",
        {"consent": checked, "params": params},
        principal=principal,
    )


@router.post("/oauth/authorize", response_class=HTMLResponse)
async def decide(request: Request) -> Response:
    form = await request.form()
    if not csrf_ok(request, form.get("csrf_token")):
        return error_page(request, "Expired form", "Reload the page and try again.", 403)
    principal = await current_principal(request)
    if principal is None:
        return error_page(request, "Signed out", "Sign in again to approve this connection.", 401)
    params, repeated = _params(form)
    service = get_auth_service(request)
    checked = await service.validate_authorization(params, repeated)
    if isinstance(checked, AuthorizationError):
        return _failure(request, checked)
    if form.get("decision") != "approve":
        return RedirectResponse(service.deny(checked), status_code=303)
    outcome = await service.approve(principal, params)
    if isinstance(outcome, AuthorizationError):
        return _failure(request, outcome)
    return RedirectResponse(outcome, status_code=303)


__all__ = ["AUTHORIZE_PARAMS", "ConsentRequest", "router"]
