"""RFC 7591 dynamic client registration: open, rate-limited, strict about redirect URIs.

Every client is registered as a public client (``token_endpoint_auth_method: none``) for the
authorization-code grant with the ``read`` scope, whatever it asked for: RFC 7591 §3.2.1 lets
the server replace requested metadata, and clients check the response. So grant types and
scopes we do not offer are dropped, not refused (VS Code asks for the device-code grant, Claude
Code for ``offline_access``); only a client that cannot use the code grant at all is refused.
A public client needs no secret, so a registration is worth nothing without a user's consent
and a PKCE verifier.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from accountlens.auth.api import RegisteredClient
from accountlens.auth.options import READ_SCOPE
from accountlens.auth.redirect_uris import RedirectUriError, validate_redirect_uri

MAX_REDIRECT_URIS = 10
MAX_NAME_LENGTH = 200


class RegistrationError(ValueError):
    """An RFC 7591 §3.2.2 error: ``invalid_redirect_uri`` or ``invalid_client_metadata``."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _clean_name(value: object) -> str:
    if not isinstance(value, str):
        return "Unnamed client"
    name = "".join(ch for ch in value if ch.isprintable()).strip()
    return name[:MAX_NAME_LENGTH] or "Unnamed client"


def _client_uri(value: object) -> str | None:
    if not isinstance(value, str) or len(value) > 500:
        return None
    parts = urlsplit(value)
    return value if parts.scheme == "https" and parts.hostname and not parts.username else None


def client_from_metadata(metadata: Any) -> RegisteredClient:
    """Validate requested client metadata into a new client (with a fresh ``client_id``)."""
    if not isinstance(metadata, dict):
        raise RegistrationError("invalid_client_metadata", "the body must be a JSON object")
    uris = metadata.get("redirect_uris")
    if not isinstance(uris, list) or not uris:
        raise RegistrationError("invalid_redirect_uri", "redirect_uris is required")
    if len(uris) > MAX_REDIRECT_URIS:
        raise RegistrationError("invalid_redirect_uri", "too many redirect_uris")
    checked: list[str] = []
    for uri in uris:
        if not isinstance(uri, str):
            raise RegistrationError("invalid_redirect_uri", "redirect_uris must be strings")
        try:
            checked.append(validate_redirect_uri(uri))
        except RedirectUriError as exc:
            raise RegistrationError("invalid_redirect_uri", str(exc)) from exc
    grants = metadata.get("grant_types", ["authorization_code"])
    if not isinstance(grants, list) or "authorization_code" not in grants:
        raise RegistrationError(
            "invalid_client_metadata", "the authorization_code grant is the only one supported"
        )
    responses = metadata.get("response_types", ["code"])
    if responses != ["code"]:
        raise RegistrationError("invalid_client_metadata", "only response_type code is supported")
    scope = metadata.get("scope")
    if scope is not None and not isinstance(scope, str):
        raise RegistrationError("invalid_client_metadata", "scope must be a string")
    return RegisteredClient(
        client_id=secrets.token_urlsafe(24),
        client_name=_clean_name(metadata.get("client_name")),
        redirect_uris=tuple(checked),
        scope=READ_SCOPE,
        client_uri=_client_uri(metadata.get("client_uri")),
    )


def registration_response(client: RegisteredClient, issued_at: int) -> dict[str, Any]:
    """RFC 7591 §3.2.1 body."""
    body: dict[str, Any] = {
        "client_id": client.client_id,
        "client_id_issued_at": issued_at,
        "client_name": client.client_name,
        "redirect_uris": list(client.redirect_uris),
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
        "scope": client.scope,
    }
    if client.client_uri:
        body["client_uri"] = client.client_uri
    return body
