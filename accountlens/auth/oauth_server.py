"""authlib's authorization server, adapted to Starlette and to an async database.

authlib is synchronous and calls back into storage (``query_client``,
``query_authorization_code``, ``save_token`` …) in the middle of its checks. Rather than block the
event loop or hop threads, each request gets its own :class:`AccountLensAuthorizationServer`
whose callbacks answer from rows the endpoint loaded *before* running authlib and record what
authlib wants written; the endpoint persists those writes afterwards, in one transaction. So
authlib owns the protocol rules, and our code owns I/O.

Hardening over authlib's defaults:

* PKCE is required and only ``S256`` is accepted (authlib's ``CodeChallenge(required=True)``
  still lets a request without a challenge, or with ``plain``, through);
* public clients only (``token_endpoint_auth_method=none``), so a leaked registration is useless;
* RFC 8707: the ``resource`` must be this server's MCP endpoint, at authorize and token time;
* RFC 9207: every authorization response carries ``iss``;
* an unknown or unauthenticated client at the token and revocation endpoints gets 401 with a
  ``WWW-Authenticate: Basic`` challenge (RFC 6749 §5.2), whatever it sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import (
    ClientMixin,
    InvalidRequestError,
    OAuth2Error,
    OAuth2Payload,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge
from starlette.responses import JSONResponse, RedirectResponse, Response

from accountlens.auth import tokens
from accountlens.auth.api import RegisteredClient
from accountlens.auth.options import READ_SCOPE, AuthOptions
from accountlens.auth.principal import Principal
from accountlens.auth.redaction import protect_loggers
from accountlens.auth.redirect_uris import redirect_uri_matches

protect_loggers("authlib")

CLIENT_REALM = "AccountLens OAuth clients"


class InvalidTargetError(OAuth2Error):  # type: ignore[misc]  # authlib is untyped
    """RFC 8707 §2: the requested resource is not one this server issues tokens for."""

    error = "invalid_target"


class OAuthClient(ClientMixin):  # type: ignore[misc]  # authlib is untyped
    """authlib's view of a :class:`RegisteredClient`: public, code flow, read scope only."""

    def __init__(self, client: RegisteredClient) -> None:
        self.info = client

    def get_client_id(self) -> str:
        return self.info.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None  # redirect_uri is always required

    def get_allowed_scope(self, scope: str | None) -> str:
        return READ_SCOPE

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri_matches(redirect_uri, list(self.info.redirect_uris))

    def check_client_secret(self, client_secret: str) -> bool:
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class StoredCode:
    """An authorization-code row as authlib sees it."""

    org_id: uuid.UUID
    id: uuid.UUID
    user_id: uuid.UUID
    client_id: str
    client_name: str
    redirect_uri: str
    scope: str
    resource: str
    code_challenge: str
    expires_at: datetime
    code_challenge_method: str = "S256"

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass
class StoredToken:
    """A connection as the revocation endpoint sees it."""

    org_id: uuid.UUID
    id: uuid.UUID
    client_id: str

    def check_client(self, client: OAuthClient) -> bool:
        return client.get_client_id() == self.client_id


class _Payload(OAuth2Payload):  # type: ignore[misc]  # authlib is untyped
    def __init__(self, data: Mapping[str, str], datalist: Mapping[str, list[str]]) -> None:
        self._data = dict(data)
        self._datalist = {k: list(v) for k, v in datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> dict[str, list[str]]:
        return self._datalist


class StarletteOAuth2Request(OAuth2Request):  # type: ignore[misc]  # authlib is untyped
    """An already-parsed Starlette request in authlib's shape.

    ``uri`` is built from the configured public URL rather than the socket, so authlib's
    https check sees what clients see even behind a TLS-terminating proxy.
    """

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Mapping[str, str],
        data: Mapping[str, str],
        datalist: Mapping[str, list[str]] | None = None,
    ) -> None:
        super().__init__(method=method, uri=uri, headers=dict(headers))
        self.payload = _Payload(data, datalist or {k: [v] for k, v in data.items()})

    @property
    def args(self) -> dict[str, str]:
        return dict(self.payload.data) if self.method == "GET" else {}

    @property
    def form(self) -> dict[str, str]:
        return dict(self.payload.data) if self.method == "POST" else {}


@dataclass
class Preloaded:
    """What the endpoint read before running authlib, and what authlib asked to write."""

    client: OAuthClient | None = None
    code: StoredCode | None = None
    code_user: Principal | None = None
    token: StoredToken | None = None
    #: The new token's lifetime: the deployment's, or the org's ceiling when that is shorter.
    lifetime: timedelta | None = None
    # Writes, filled in by authlib callbacks:
    new_code: tokens.IssuedSecret | None = None
    new_code_request: StarletteOAuth2Request | None = None
    minted: tokens.IssuedSecret | None = None
    revoked: StoredToken | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class S256CodeChallenge(CodeChallenge):  # type: ignore[misc]  # authlib is untyped
    """PKCE, required, S256 only."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012 - authlib's class attribute
    CODE_CHALLENGE_METHODS = {"S256": compare_s256_code_challenge}  # noqa: RUF012

    def validate_code_challenge(self, grant: AuthorizationCodeGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge (S256)")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: AuthorizationCodeGrant, result: object) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'")
        super().validate_code_verifier(grant, result)


class PkceAuthorizationCodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]  # authlib is untyped
    """The authorization-code grant over preloaded rows, with resource binding."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]  # noqa: RUF012 - authlib's class attribute
    server: AccountLensAuthorizationServer

    def validate_authorization_request(self) -> str:
        redirect_uri: str = super().validate_authorization_request()
        requested = self.request.payload.data.get("resource")
        if requested is not None and not self.server.is_our_resource(requested):
            raise InvalidTargetError(
                "resource must be this server's MCP endpoint", redirect_uri=redirect_uri
            )
        return redirect_uri

    def generate_authorization_code(self) -> str:
        principal: Principal = self.request.user
        issued = tokens.issue(
            tokens.AUTHORIZATION_CODE_PREFIX, self.server.options.secret_key, principal.org_id
        )
        self.server.preloaded.new_code = issued
        return issued.value

    def save_authorization_code(self, code: str, request: StarletteOAuth2Request) -> None:
        self.server.preloaded.new_code_request = request

    def query_authorization_code(self, code: str, client: OAuthClient) -> StoredCode | None:
        stored = self.server.preloaded.code
        if stored is None or stored.client_id != client.get_client_id():
            return None
        if stored.expires_at <= datetime.now(UTC):
            return None
        requested = self.request.form.get("resource")
        if requested is not None and requested.rstrip("/") != stored.resource.rstrip("/"):
            raise InvalidTargetError("resource differs from the authorization request")
        return stored

    def delete_authorization_code(self, authorization_code: StoredCode) -> None:
        """Nothing here: the endpoint marks the code used when it stores the token."""

    def authenticate_user(self, authorization_code: StoredCode) -> Principal | None:
        return self.server.preloaded.code_user


class ConnectionRevocationEndpoint(RevocationEndpoint):  # type: ignore[misc]
    """RFC 7009 for public clients: a client may revoke the tokens issued to it."""

    CLIENT_AUTH_METHODS = ["none"]  # noqa: RUF012 - authlib's class attribute
    SUPPORTED_TOKEN_TYPES = ("access_token",)
    server: AccountLensAuthorizationServer

    def query_token(self, token_string: str, token_type_hint: str | None) -> StoredToken | None:
        return self.server.preloaded.token

    def revoke_token(self, token: StoredToken, request: StarletteOAuth2Request) -> None:
        self.server.preloaded.revoked = token


class AccountLensAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """One instance per request; see the module docstring."""

    def __init__(self, options: AuthOptions, preloaded: Preloaded) -> None:
        super().__init__(scopes_supported=[READ_SCOPE])
        self.options = options
        self.preloaded = preloaded
        self.register_grant(PkceAuthorizationCodeGrant, [S256CodeChallenge(required=True)])
        self.register_endpoint(ConnectionRevocationEndpoint)
        self.register_token_generator("default", self._generate_token)

    def validate_requested_scope(self, scope: str | None) -> None:
        """RFC 6749 §3.3: the server may grant less than was asked, so never ``invalid_scope``.

        Clients add scopes of their own (``offline_access``, ``openid``, ``profile``,
        ``claudeai``) or stray spaces; refusing them broke Claude, Claude Code and VS Code.
        Whatever is asked, the grant is ``read``, the only scope (the code row stores it), and
        the token response says so.
        """

    def is_our_resource(self, resource: str) -> bool:
        return resource.rstrip("/") == self.options.resource.rstrip("/")

    def query_client(self, client_id: str) -> OAuthClient | None:
        client = self.preloaded.client
        if client is None or client.get_client_id() != client_id:
            return None
        return client

    def _generate_token(
        self,
        grant_type: str,
        client: OAuthClient,
        user: Principal | None = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        assert user is not None  # the code grant always has a user
        issued = tokens.issue(tokens.ACCESS_TOKEN_PREFIX, self.options.secret_key, user.org_id)
        self.preloaded.minted = issued
        return {
            "access_token": issued.value,
            "token_type": "Bearer",
            "expires_in": int(
                (self.preloaded.lifetime or self.options.access_token_ttl).total_seconds()
            ),
            "scope": scope or READ_SCOPE,
        }

    def save_token(self, token: dict[str, Any], request: StarletteOAuth2Request) -> None:
        """Recorded by the token generator; persisted by the endpoint."""

    def create_oauth2_request(self, request: object) -> StarletteOAuth2Request:
        if not isinstance(request, StarletteOAuth2Request):
            raise TypeError("build a StarletteOAuth2Request first")
        return request

    def send_signal(self, name: str, *args: object, **kwargs: object) -> None:
        """No signals."""

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        header_map = dict(headers)
        location = header_map.pop("Location", None)
        if location is not None:
            return RedirectResponse(self.with_issuer(location), status_code=302)
        header_map.pop("Content-Type", None)
        header_map["Cache-Control"] = "no-store"
        if isinstance(body, dict) and body.get("error") == "invalid_client":
            # RFC 6749 §5.2: 401 with a challenge (authlib sends 400 when, as here, Basic is not
            # a supported method). Claude takes a 401 invalid_client as its cue to re-register.
            status = 401
            header_map["WWW-Authenticate"] = f'Basic realm="{CLIENT_REALM}"'
        return JSONResponse(body, status_code=status, headers=header_map)

    def with_issuer(self, location: str) -> str:
        """RFC 9207: name ourselves in every authorization response."""
        return str(add_params_to_uri(location, [("iss", self.options.issuer)]))
