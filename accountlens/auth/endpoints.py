"""HTTP endpoints of the authorization server (the HTML ones, authorize and consent, are in web).

* ``/.well-known/oauth-authorization-server`` (RFC 8414)
* ``/.well-known/oauth-protected-resource/mcp`` and ``/.well-known/oauth-protected-resource``
  (RFC 9728, path-inserted and root)
* ``POST /oauth/register`` (RFC 7591), ``POST /oauth/token``, ``POST /oauth/revoke`` (RFC 7009)
"""

from __future__ import annotations

from typing import Any, cast

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import JSONResponse, Response

from accountlens.auth.client_registry import Refused
from accountlens.auth.oauth_flows import oauth_error
from accountlens.auth.options import READ_SCOPE, AuthOptions
from accountlens.auth.registration import (
    RegistrationError,
    client_from_metadata,
    registration_response,
)
from accountlens.auth.service import DatabaseAuthService
from accountlens.auth.untrusted_input import (
    UntrustedJsonError,
    loads_untrusted_json,
    refuse_unstorable_input,
)

MAX_FORM_BYTES = 16 * 1024
MAX_REGISTRATION_BYTES = 16 * 1024

# Every query and form value is checked before a handler runs (see untrusted_input).
router = APIRouter(include_in_schema=False, dependencies=[Depends(refuse_unstorable_input)])


def _service(request: Request) -> DatabaseAuthService:
    return cast(DatabaseAuthService, request.app.state.auth_service)


def authorization_server_metadata(options: AuthOptions) -> dict[str, Any]:
    issuer = options.issuer
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "registration_endpoint": f"{issuer}/oauth/register",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "scopes_supported": [READ_SCOPE],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
        "client_id_metadata_document_supported": True,
        "service_documentation": f"{issuer}/",
    }


def protected_resource_metadata(options: AuthOptions) -> dict[str, Any]:
    return {
        "resource": options.resource,
        "authorization_servers": [options.issuer],
        "scopes_supported": [READ_SCOPE],
        "bearer_methods_supported": ["header"],
        "resource_name": "AccountLens",
        "resource_documentation": f"{options.issuer}/",
    }


def _public_json(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})


@router.get("/.well-known/oauth-authorization-server")
async def as_metadata(request: Request) -> JSONResponse:
    return _public_json(authorization_server_metadata(_service(request).options))


@router.get("/.well-known/oauth-protected-resource/mcp")
@router.get("/.well-known/oauth-protected-resource")
async def pr_metadata(request: Request) -> JSONResponse:
    return _public_json(protected_resource_metadata(_service(request).options))


async def _read_form(request: Request) -> dict[str, str] | Response:
    """The form of a token or revocation request, or the OAuth error it gets: a form body of a
    sane size, each parameter once (RFC 6749 §3.2: parameters must not be repeated)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return oauth_error("invalid_request", "send application/x-www-form-urlencoded")
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return oauth_error("invalid_request", "request body too large", 413)
    form: FormData = await request.form()
    if any(len(form.getlist(k)) > 1 for k in form):
        return oauth_error("invalid_request", "a parameter was repeated")
    return {k: str(v) for k, v in form.items() if isinstance(v, str)}


@router.post("/oauth/token")
async def token(request: Request) -> Response:
    form = await _read_form(request)
    flows = _service(request).flows
    return form if isinstance(form, Response) else await flows.token(form, dict(request.headers))


@router.post("/oauth/revoke")
async def revoke(request: Request) -> Response:
    form = await _read_form(request)
    flows = _service(request).flows
    return form if isinstance(form, Response) else await flows.revoke(form, dict(request.headers))


@router.post("/oauth/register")
async def register(request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_REGISTRATION_BYTES:
        return oauth_error("invalid_client_metadata", "registration request too large", 413)
    try:
        client = client_from_metadata(loads_untrusted_json(body or b"null"))
    except UntrustedJsonError as exc:
        return oauth_error("invalid_client_metadata", str(exc))
    except RegistrationError as exc:
        return oauth_error(exc.code, exc.description)
    address = request.client.host if request.client else "unknown"
    outcome = await _service(request).registry.register(client, address)
    if isinstance(outcome, Refused):
        # RFC 7591 defines no rate-limit error; RFC 6749's registered temporarily_unavailable
        # says "retry later", and Retry-After says when the bucket really frees.
        response = oauth_error("temporarily_unavailable", outcome.description, 429)
        response.headers["Retry-After"] = str(outcome.retry_after)
        return response
    return JSONResponse(
        registration_response(outcome.client, outcome.issued_at),
        status_code=201,
        headers={"Cache-Control": "no-store"},
    )


async def unstorable_input_response(request: Request, exc: Exception) -> Response:
    """The answer to :class:`UnstorableInputError` on the JSON endpoints (no value is echoed)."""
    return oauth_error("invalid_request", str(exc))
