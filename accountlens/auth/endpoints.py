"""HTTP endpoints of the authorization server (the HTML ones, authorize and consent, are in web).

* ``/.well-known/oauth-authorization-server`` (RFC 8414)
* ``/.well-known/oauth-protected-resource/mcp`` and ``/.well-known/oauth-protected-resource``
  (RFC 9728, path-inserted and root)
* ``POST /oauth/register`` (RFC 7591), ``POST /oauth/token``, ``POST /oauth/revoke`` (RFC 7009)
"""

from __future__ import annotations

import json
import time
from typing import Any, cast

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import JSONResponse, Response

from accountlens.auth import repository
from accountlens.auth.oauth_flows import oauth_error
from accountlens.auth.options import READ_SCOPE, AuthOptions
from accountlens.auth.registration import (
    RegistrationError,
    client_from_metadata,
    registration_response,
)
from accountlens.auth.service import DatabaseAuthService

MAX_FORM_BYTES = 16 * 1024
MAX_REGISTRATION_BYTES = 16 * 1024

router = APIRouter(include_in_schema=False)


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


async def _read_form(request: Request) -> tuple[dict[str, str], set[str]] | Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return oauth_error("invalid_request", "send application/x-www-form-urlencoded")
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return oauth_error("invalid_request", "request body too large", 413)
    form: FormData = await request.form()
    keys = list(form.keys())
    repeated = {k for k in keys if len(form.getlist(k)) > 1}
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    return values, repeated


@router.post("/oauth/token")
async def token(request: Request) -> Response:
    parsed = await _read_form(request)
    if isinstance(parsed, Response):
        return parsed
    form, repeated = parsed
    if repeated:
        return oauth_error("invalid_request", "a parameter was repeated")
    return await _service(request).flows.token(form, dict(request.headers))


@router.post("/oauth/revoke")
async def revoke(request: Request) -> Response:
    parsed = await _read_form(request)
    if isinstance(parsed, Response):
        return parsed
    form, repeated = parsed
    if repeated:
        return oauth_error("invalid_request", "a parameter was repeated")
    return await _service(request).flows.revoke(form, dict(request.headers))


@router.post("/oauth/register")
async def register(request: Request) -> Response:
    service = _service(request)
    address = request.client.host if request.client else "unknown"
    async with request.app.state.db.sessions() as session:
        allowed = await repository.hit(
            session,
            repository.limiter_key("register-ip", address),
            service.options.registrations_per_address,
        )
        await session.commit()
    if not allowed:
        response = oauth_error("slow_down", "too many registrations; try again later", 429)
        response.headers["Retry-After"] = str(
            int(service.options.registrations_per_address.window.total_seconds())
        )
        return response
    body = await request.body()
    if len(body) > MAX_REGISTRATION_BYTES:
        return oauth_error("invalid_client_metadata", "registration request too large", 413)
    try:
        client = client_from_metadata(json.loads(body or b"null"))
    except ValueError as exc:
        if isinstance(exc, RegistrationError):
            return oauth_error(exc.code, exc.description)
        return oauth_error("invalid_client_metadata", "the body must be JSON")
    async with request.app.state.db.sessions() as session:
        await repository.add_client(session, client)
        await session.commit()
    return JSONResponse(
        registration_response(client, int(time.time())),
        status_code=201,
        headers={"Cache-Control": "no-store"},
    )
