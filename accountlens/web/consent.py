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

from accountlens.auth.api import (
    AuthorizationError,
    ConsentChoices,
    ConsentRequest,
    get_auth_service,
)
from accountlens.auth.principal import NARROWABLE_TYPES, Narrowing
from accountlens.object_types import NARROWABLE
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


def choices_of(form: ImmutableMultiDict[str, object] | object) -> ConsentChoices | str:
    """The narrowing and expiry the consent form carries, or what is wrong with them.

    A form without our ``narrowing`` marker (a client that posts the decision itself) narrows
    nothing: an unticked checkbox is simply absent, so absence must not mean "excluded".
    """
    assert isinstance(form, ImmutableMultiDict)
    if form.get("narrowing") != "form":
        return ConsentChoices()
    types = [str(t) for t in form.getlist("types")]
    unknown = sorted(set(types) - set(NARROWABLE_TYPES))
    if unknown:
        return f"unknown record type {unknown[0][:40]!r}"
    chosen = None if set(types) == set(NARROWABLE_TYPES) else frozenset(types)
    narrowing = Narrowing(
        chosen, transcripts=form.get("transcripts") == "on", knowledge_base=form.get("kb") == "on"
    )
    if chosen == frozenset() and not narrowing.document_kinds:
        return "choose at least one kind of record or document for the connection to read"
    raw = str(form.get("lifetime_days") or "")
    if raw and not raw.isdigit():
        return "the expiry must be a number of days"
    return ConsentChoices(narrowing, int(raw[:6]) if raw else None)


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
    lifetimes, default_lifetime = await get_auth_service(request).consent_lifetimes(principal)
    return render(
        request,
        "consent.html",
        {
            "consent": checked,
            "params": params,
            "narrowable": list(NARROWABLE.items()),
            "lifetimes": lifetimes,
            "default_lifetime": default_lifetime,
        },
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
    choices = choices_of(form)
    if isinstance(choices, str):
        return error_page(request, "This connection request is not valid", choices)
    outcome = await service.approve(principal, params, choices)
    if isinstance(outcome, AuthorizationError):
        return _failure(request, outcome)
    return RedirectResponse(outcome, status_code=303)


__all__ = ["AUTHORIZE_PARAMS", "ConsentRequest", "router"]
