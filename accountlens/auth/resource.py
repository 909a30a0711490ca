"""The resource-server side: checking bearer tokens on ``/mcp`` and ``/graphql``.

:class:`ConnectionTokenVerifier` checks a token on every request, against the primary database,
so a revocation is seen by the very next request on every replica: format and checksum, salted
hash, revocation, expiry, audience (RFC 8707) and that the user is still active. It implements
the MCP SDK's ``TokenVerifier`` protocol and also says *why* a token failed.

:class:`BearerGuard` is ASGI middleware for any protected mount: it answers 401 with
``WWW-Authenticate: Bearer resource_metadata=…, scope=…, error=…, error_description=…`` (RFC 6750
§3, RFC 9728 §5.1), 403 ``insufficient_scope``, refuses tokens in the query string (OAuth 2.1
§5.1.1), and puts the :class:`Principal` on ``request.state.principal``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from starlette.authentication import AuthCredentials
from starlette.types import ASGIApp, Receive, Scope, Send

from accountlens.auth import repository, tokens
from accountlens.auth.options import READ_SCOPE, AuthOptions
from accountlens.auth.principal import Principal
from accountlens.db.engine import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """The outcome of checking one token: a principal, or an RFC 6750 error and why."""

    principal: Principal | None = None
    access: AccessToken | None = None
    error: str = "invalid_token"
    description: str = ""


def _refused(description: str) -> TokenCheck:
    return TokenCheck(description=description)


class ConnectionTokenVerifier:
    """Verifies AccountLens access tokens; an MCP SDK ``TokenVerifier``."""

    def __init__(self, database: Callable[[], Database], options: AuthOptions) -> None:
        self._database = database
        self.options = options

    async def check(self, token: str) -> TokenCheck:
        parsed = tokens.parse(tokens.ACCESS_TOKEN_PREFIX, token.strip())
        if parsed is None:
            return _refused("the access token is malformed")
        async with self._database().sessions() as session:
            row = await repository.connection_row(session, parsed.org_id, parsed.row_id)
            if row is None or not tokens.matches(
                self.options.secret_key, parsed, row.token_salt, row.token_hash
            ):
                return _refused("the access token is unknown")
            if row.revoked_at is not None:
                return _refused("the access token has been revoked")
            if row.expires_at <= repository.now():
                return _refused("the access token has expired")
            if row.resource.rstrip("/") != self.options.resource.rstrip("/"):
                return _refused("the access token was issued for another resource")
            user = await repository.active_user(session, row.org_id, row.user_id)
            if user is None:
                return _refused("the user of this access token is disabled")
            await repository.touch(session, row, self.options.last_used_resolution)
            await session.commit()
            principal = repository.principal_of(user, row)
            access = AccessToken(
                token=token,
                client_id=row.client_id,
                scopes=row.scope.split(),
                expires_at=int(row.expires_at.timestamp()),
                resource=row.resource,
                subject=str(user.id),
                claims={"iss": self.options.issuer, "org_id": str(row.org_id)},
            )
            return TokenCheck(principal=principal, access=access)

    async def verify_token(self, token: str) -> AccessToken | None:
        """MCP SDK ``TokenVerifier``: the token's details, or None when it must be refused."""
        return (await self.check(token)).access


def challenge_header(
    options: AuthOptions, error: str | None = None, description: str | None = None
) -> str:
    """The ``WWW-Authenticate`` value for a 401/403 from this resource server."""
    parts = [f'resource_metadata="{options.resource_metadata_url}"', f'scope="{READ_SCOPE}"']
    if error:
        parts.append(f'error="{error}"')
    if description:
        parts.append(f'error_description="{description}"')
    return "Bearer " + ", ".join(parts)


def bearer_token(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name.lower() == b"authorization":
            text = value.decode("latin-1")
            scheme, _, credentials = text.partition(" ")
            return credentials.strip() if scheme.lower() == "bearer" else ""
    return None


def has_query_token(query_string: bytes) -> bool:
    return any(
        pair.split(b"=", 1)[0].lower() == b"access_token"
        for pair in query_string.split(b"&")
        if pair
    )


class BearerGuard:
    """ASGI middleware: only requests with a valid token reach ``app``."""

    def __init__(
        self,
        app: ASGIApp,
        verifier: ConnectionTokenVerifier,
        required_scopes: tuple[str, ...] = (READ_SCOPE,),
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.required_scopes = required_scopes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        options = self.verifier.options
        if has_query_token(scope.get("query_string", b"")):
            await deny(
                send,
                401,
                options,
                "invalid_request",
                "send the access token in the Authorization header, never in the query string",
            )
            return
        token = bearer_token(scope.get("headers", []))
        if token is None:
            await deny(send, 401, options, None, None)
            return
        check = await self.verifier.check(token) if token else _refused("empty bearer token")
        if check.principal is None or check.access is None:
            await deny(send, 401, options, check.error, check.description)
            return
        missing = [s for s in self.required_scopes if s not in check.access.scopes]
        if missing:
            await deny(send, 403, options, "insufficient_scope", f"requires {' '.join(missing)}")
            return
        scope.setdefault("state", {})["principal"] = check.principal
        scope["user"] = AuthenticatedUser(check.access)
        scope["auth"] = AuthCredentials(check.access.scopes)
        await self.app(scope, receive, send)


async def deny(
    send: Send, status: int, options: AuthOptions, error: str | None, description: str | None
) -> None:
    body = json.dumps(
        {
            "error": error or "invalid_token",
            "error_description": description or "authentication required",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                (b"www-authenticate", challenge_header(options, error, description).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
