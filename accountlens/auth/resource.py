"""The resource-server side: checking bearer tokens on ``/mcp`` and ``/graphql``.

:class:`ConnectionTokenVerifier` checks a token on every request, against the primary database,
so a revocation is seen by the very next request on every replica: format and checksum, salted
hash, revocation, expiry, audience (RFC 8707) and that the user is still active. It implements
the MCP SDK's ``TokenVerifier`` protocol and also says *why* a token failed.

:class:`BearerGuard` is ASGI middleware for any protected mount: it answers 401 with
``WWW-Authenticate: Bearer resource_metadata=…, scope=…, error=…, error_description=…`` (RFC 6750
§3, RFC 9728 §5.1), 403 ``insufficient_scope``, refuses tokens in the query string (OAuth 2.1
§5.1.1), and puts the :class:`Principal` on ``request.state.principal``. Given a rate limit,
the request is counted too (by the check, or when its unit of work ends) and the verdict is left
on ``request.state.within_limit`` for the app behind it (``accountlens.auth.call_limits``
answers 429).
"""

from __future__ import annotations

import hmac
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from starlette.authentication import AuthCredentials
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accountlens.auth import bearer_query, repository, tokens
from accountlens.auth.options import READ_SCOPE, AuthOptions, RateLimit
from accountlens.auth.principal import Principal
from accountlens.auth.request_unit import STATE_KEY, RequestUnit
from accountlens.db.engine import Database
from accountlens.telemetry.json_errors import send_json_error

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """The outcome of checking one token: a principal, or an RFC 6750 error and why."""

    principal: Principal | None = None
    access: AccessToken | None = None
    error: str = "invalid_token"
    description: str = ""
    within_limit: bool = True
    """False when the check counted the request and it went over the rate limit."""
    unit: RequestUnit | None = None
    """The request's connection and transaction, when the check ran in one (accepted only)."""


def _refused(description: str) -> TokenCheck:
    return TokenCheck(description=description)


class ConnectionTokenVerifier:
    """Verifies AccountLens access tokens; an MCP SDK ``TokenVerifier``.

    One statement per request: in the request's own transaction when reads go to the primary
    (:func:`accountlens.auth.bearer_query.check_in_transaction`, see
    :mod:`accountlens.auth.request_unit`), else in autocommit on the primary
    (:func:`accountlens.auth.bearer_query.check_access`). The first request this process sees
    for a connection reads its salt first. Salts are the only thing kept between requests:
    they never change for a connection, and everything that can (revocation, expiry, the
    user's state) is read again by every check.
    """

    SALTS_KEPT = 10_000

    def __init__(self, database: Callable[[], Database], options: AuthOptions) -> None:
        self._database = database
        self.options = options
        self._salts: dict[tuple[uuid.UUID, uuid.UUID], bytes] = {}
        #: Whether the check may read columns along (:class:`bearer_query.ReadAlong`): not on
        #: Citus. None until the first request's unit asked the server.
        self._reads_along: bool | None = None

    async def check(
        self,
        token: str,
        limit: RateLimit | None = None,
        resources: tuple[str, ...] | None = None,
        *,
        in_unit: bool = False,
        read_along: bearer_query.ReadAlong | None = None,
    ) -> TokenCheck:
        """Check ``token``; with a ``limit``, also count the request in its connection's bucket.

        ``resources`` are the audiences accepted here (default: the MCP endpoint only). A
        refused token counts nothing and touches nothing. With ``in_unit`` and reads on the
        primary, the check opens the request's unit of work
        (:mod:`accountlens.auth.request_unit`) and runs in it: an accepted check hands the unit
        back on :attr:`TokenCheck.unit` (its owner must end it), and the hit is counted when
        the unit ends. There, ``read_along``'s columns are read by the check's statement too
        (on the principal's :attr:`~accountlens.auth.principal.OrgFacts.along`), except on
        Citus.
        """
        accepted = resources or (self.options.resource,)
        parsed = tokens.parse(tokens.ACCESS_TOKEN_PREFIX, token.strip())
        if parsed is None:
            return _refused("the access token is malformed")
        moment = repository.now()
        database = self._database()
        if in_unit and database.replica is None:
            # Reads go to the primary: the check, the binding and the reads share one
            # transaction on the read engine (the role row-level security binds).
            return await self._check_in_unit(
                database, token, parsed, moment, accepted, limit, read_along
            )
        async with database.engine.connect() as pooled:
            conn = await pooled.execution_options(isolation_level="AUTOCOMMIT")
            salt = await self._salt(parsed, lambda: bearer_query.token_salt(conn, *_key(parsed)))
            if salt is None:
                return _refused("the access token is unknown")
            digest = tokens.secret_digest(self.options.secret_key, salt, parsed.secret)
            row = await bearer_query.check_access(
                conn,
                org_id=parsed.org_id,
                connection_id=parsed.row_id,
                digest=digest,
                resources=accepted,
                moment=moment,
                last_used_resolution=self.options.last_used_resolution,
                limit=limit,
            )
        return self._verdict(token, row, digest, moment, accepted, limit)

    async def _check_in_unit(
        self,
        database: Database,
        token: str,
        parsed: tokens.ParsedSecret,
        moment: datetime,
        accepted: tuple[str, ...],
        limit: RateLimit | None,
        read_along: bearer_query.ReadAlong | None,
    ) -> TokenCheck:
        unit = await RequestUnit.begin(database.read_engine)
        try:
            if read_along is not None and self._reads_along is None:
                # Once per process: on Citus the reads along would run on a worker before the
                # binding reached it (bearer_query._CHECK_ALONG), so there they are not made.
                found = await unit.fetch(bearer_query.SINGLE_NODE, [])
                self._reads_along = bool(found[0]["single_node"])
            if not self._reads_along:
                read_along = None
            salt = await self._salt(parsed, lambda: _salt_in(unit, parsed))
            if salt is None:
                await unit.end()
                return _refused("the access token is unknown")
            digest = tokens.secret_digest(self.options.secret_key, salt, parsed.secret)
            bucket = bearer_query.connection_bucket(parsed.row_id) if limit is not None else None
            window = limit.current_window()[0] if limit else moment
            row = await bearer_query.check_in_transaction(
                unit.fetch,
                org_id=parsed.org_id,
                connection_id=parsed.row_id,
                digest=digest,
                resources=accepted,
                moment=moment,
                bucket=bucket,
                window=window,
                along=read_along,
            )
            check = self._verdict(token, row, digest, moment, accepted, limit)
            if row is None or check.principal is None:
                await unit.end()  # refused: rolled back, nothing read, nothing counted
                return check
            unit.accept(
                row.org_id,
                bearer_query.Use(
                    org_id=row.org_id,
                    connection_id=row.id,
                    moment=moment,
                    stale_before=moment - self.options.last_used_resolution,
                    bucket=bucket,
                    window=window,
                ),
                generic=row.plans_generic,
            )
        except BaseException:
            await unit.end()
            raise
        return replace(check, unit=unit)

    async def _salt(
        self, parsed: tokens.ParsedSecret, read: Callable[[], Awaitable[bytes | None]]
    ) -> bytes | None:
        key = _key(parsed)
        salt = self._salts.get(key)
        if salt is None:
            salt = await read()
            if salt is not None:
                self._keep_salt(key, salt)
        return salt

    def _verdict(
        self,
        token: str,
        row: bearer_query.AccessRow | None,
        digest: bytes,
        moment: datetime,
        accepted: tuple[str, ...],
        limit: RateLimit | None,
    ) -> TokenCheck:
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            return _refused("the access token is unknown")
        if not row.accepted:
            return _refused(_why_refused(row, moment, accepted))
        principal = Principal(
            user_id=row.user_id,
            org_id=row.org_id,
            role="admin" if row.role == "admin" else "member",
            email=row.email or "",
            name=row.name or "",
            connection_id=row.id,
            client_id=row.client_id,
            org_name=row.org.name if row.org else "",
            org_facts=row.org,
            narrowing=row.narrowing,
            service_token=row.kind == "service",
        )
        access_token = AccessToken(
            token=token,
            client_id=row.client_id,
            scopes=row.scope.split(),
            expires_at=int(row.expires_at.timestamp()),
            resource=row.resource,
            subject=str(row.user_id),
            claims={"iss": self.options.issuer, "org_id": str(row.org_id)},
        )
        within = limit is None or (row.hits is not None and row.hits <= limit.limit)
        return TokenCheck(principal=principal, access=access_token, within_limit=within)

    def _keep_salt(self, key: tuple[uuid.UUID, uuid.UUID], salt: bytes) -> None:
        if len(self._salts) >= self.SALTS_KEPT:
            self._salts.pop(next(iter(self._salts)))  # the oldest: dicts keep insertion order
        self._salts[key] = salt

    async def verify_token(self, token: str) -> AccessToken | None:
        """MCP SDK ``TokenVerifier``: the token's details, or None when it must be refused."""
        return (await self.check(token)).access


def _key(parsed: tokens.ParsedSecret) -> tuple[uuid.UUID, uuid.UUID]:
    return parsed.org_id, parsed.row_id


async def _salt_in(unit: RequestUnit, parsed: tokens.ParsedSecret) -> bytes | None:
    found = await unit.fetch(bearer_query.SALT_IN_TRANSACTION, [parsed.org_id, parsed.row_id])
    return bytes(found[0]["token_salt"]) if found else None


def _why_refused(row: bearer_query.AccessRow, moment: datetime, resources: tuple[str, ...]) -> str:
    """Why the statement did not accept a token whose secret matched, first reason first."""
    if row.revoked_at is not None:
        return "the access token has been revoked"
    if row.expires_at <= moment:
        return "the access token has expired"
    if row.resource.rstrip("/") not in {r.rstrip("/") for r in resources}:
        if row.kind == "service":
            return "a service token is for /graphql only; MCP clients connect with OAuth"
        return "the access token was issued for another resource"
    if not row.user_active:
        return "the user of this access token is disabled"
    return "the access token is unknown"


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
    """ASGI middleware: only requests with a valid token reach ``app``.

    With ``in_unit``, the check may open the request's unit of work
    (:mod:`accountlens.auth.request_unit`): the guard then publishes it on
    ``request.state``, ends it just before the response's last body message is sent (so the
    hit is counted before the client can send its next request), and in any case on the way
    out; ``read_along`` are columns that check then reads for the layers above.
    """

    def __init__(
        self,
        app: ASGIApp,
        verifier: ConnectionTokenVerifier,
        required_scopes: tuple[str, ...] = (READ_SCOPE,),
        limit: RateLimit | None = None,
        resources: tuple[str, ...] | None = None,
        *,
        in_unit: bool = False,
        read_along: bearer_query.ReadAlong | None = None,
    ) -> None:
        self.app = app
        self.verifier = verifier
        self.required_scopes = required_scopes
        self.limit = limit
        self.resources = resources
        self.in_unit = in_unit
        self.read_along = read_along

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
        if token:
            if self.in_unit:
                # The unit's transaction opens with the check: read the body first, so that a
                # slow upload holds no connection (and no transaction) while it trickles in.
                replayed = await _read_body(receive)
                if replayed is None:
                    return  # the client went away while sending (or was answered 413)
                receive = replayed
            check = await self.verifier.check(
                token,
                self.limit,
                self.resources,
                in_unit=self.in_unit,
                read_along=self.read_along,
            )
        else:
            check = _refused("empty bearer token")
        principal, access, unit = check.principal, check.access, check.unit
        if principal is None or access is None:
            await deny(send, 401, options, check.error, check.description)
            return
        if unit is None:
            await self._admit(check, principal, access, scope, receive, send)
            return
        try:
            scope.setdefault("state", {})[STATE_KEY] = unit
            await self._admit(check, principal, access, scope, receive, unit.settling(send))
        finally:
            await unit.end()

    async def _admit(
        self,
        check: TokenCheck,
        principal: Principal,
        access: AccessToken,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        missing = [s for s in self.required_scopes if s not in access.scopes]
        if missing:
            await deny(
                send,
                403,
                self.verifier.options,
                "insufficient_scope",
                f"requires {' '.join(missing)}",
            )
            return
        state = scope.setdefault("state", {})
        state["principal"] = principal
        state["within_limit"] = check.within_limit
        scope["user"] = AuthenticatedUser(access)
        scope["auth"] = AuthCredentials(access.scopes)
        await self.app(scope, receive, send)


async def _read_body(receive: Receive) -> Receive | None:
    """Read the whole request body; a ``receive`` that hands it on, or None on a disconnect."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    pending: list[Message] = [
        {"type": "http.request", "body": b"".join(chunks), "more_body": False}
    ]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


async def deny(
    send: Send, status: int, options: AuthOptions, error: str | None, description: str | None
) -> None:
    headers = [
        (b"cache-control", b"no-store"),
        (b"www-authenticate", challenge_header(options, error, description).encode()),
    ]
    await send_json_error(
        send,
        status,
        error or "invalid_token",
        description or "authentication required",
        headers,
    )
