"""Who is calling ``/mcp`` and ``/graphql``: the one place a request's credentials are checked.

:class:`RequestPrincipal` is one layer of the app's middleware stack (``accountlens.app``):

* ``/mcp`` takes a bearer token only. Every request, whatever its method, is checked before
  anything else looks at it, so an unauthenticated GET gets the 401 challenge (which is how
  clients such as Claude Desktop learn to start OAuth), not a 405.
* ``/graphql`` takes a bearer token (internal apps) or the web session (browsers). A request
  with an ``Authorization`` header is judged by the token alone (a bad token is a 401 with the
  same challenge as ``/mcp``, never a fallback to the cookie). Without one, the session cookie
  decides; a cookie-authenticated POST must be ``application/json``, which a cross-site form
  cannot send (and SameSite=Lax keeps the cookie off cross-site POSTs anyway), so the session
  cannot be ridden by CSRF. With neither, the request continues without a principal and the
  endpoint answers 401.

A token is checked once per request, against the primary database (so a revocation bites at
once), and the request is counted against its connection's rate limit (429 over it,
:mod:`accountlens.auth.call_limits`). Without a read replica the check opens the request's unit
of work (:mod:`accountlens.auth.request_unit`): one connection and one transaction for the
check, the org binding and every read, the hit and the audit row written by one statement just
before the answer's last body message is sent. With a replica, the check is one autocommit
statement on the primary (:mod:`accountlens.auth.bearer_query`) and the reads go to the replica.
The principal lands on ``request.state.principal`` and the verified token on ``scope["user"]``
(what the MCP SDK's handlers read). While the database is unreachable the answer is 503 with
``Retry-After``, never a 500.
"""

from __future__ import annotations

import logging
from http.cookies import SimpleCookie

from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accountlens.auth.bearer_query import ReadAlong
from accountlens.auth.call_limits import WithinLimit, respond
from accountlens.auth.resource import BearerGuard, bearer_token, deny
from accountlens.auth.service import DatabaseAuthService
from accountlens.auth.sessions import SessionCodec
from accountlens.db.faults import failure_cause

log = logging.getLogger(__name__)

#: How long a client should wait when the database is away.
UNAVAILABLE_RETRY_SECONDS = 5


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p + "/") for p in prefixes)


class RequestPrincipal:
    """ASGI middleware: ``token_only`` paths need a token, ``token_or_session`` either.

    ``read_along`` are the columns the token check reads for the layers above (the app hands
    in the reader's: a member's book and hidden fields), see
    :class:`~accountlens.auth.bearer_query.ReadAlong`.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        token_only: tuple[str, ...] = ("/mcp",),
        token_or_session: tuple[str, ...] = ("/graphql",),
        read_along: ReadAlong | None = None,
    ) -> None:
        self.app = app
        self.token_only = token_only
        self.token_or_session = token_or_session
        self.read_along = read_along

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif _under(path, self.token_only):
            await self._by_token(scope, receive, send)
        elif _under(path, self.token_or_session):
            if bearer_token(scope.get("headers", [])) is not None:
                await self._by_token(scope, receive, send, graphql=True)
            else:
                await self._by_session(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _by_token(
        self, scope: Scope, receive: Receive, send: Send, *, graphql: bool = False
    ) -> None:
        """``/mcp`` accepts tokens bound to the MCP resource only (RFC 8707); ``/graphql``
        also accepts internal apps' service tokens, which are bound to it."""
        # The service is looked up per request: tests (and operators) may reconfigure it.
        service: DatabaseAuthService = scope["app"].state.auth_service
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            options = service.options
            resources = (options.resource, options.graphql_resource) if graphql else None
            rule = options.requests_per_connection
            guard = BearerGuard(
                WithinLimit(self.app, rule),
                service.verifier,
                limit=rule,
                resources=resources,
                in_unit=True,
                read_along=self.read_along,
            )
            await guard(scope, receive, tracked)
        except (OSError, DBAPIError, TimeoutError) as exc:
            # The database is away: fail fast with 503 (never a 500) and let the client retry.
            # The cause names the driver's complaint, never the statement or its parameters.
            log.warning(
                "bearer request refused: the database is unavailable (%s)", failure_cause(exc)
            )
            if not started:
                await respond(
                    send,
                    503,
                    "unavailable",
                    "the database is unavailable",
                    UNAVAILABLE_RETRY_SECONDS,
                )

    async def _by_session(self, scope: Scope, receive: Receive, send: Send) -> None:
        service: DatabaseAuthService = scope["app"].state.auth_service
        cookies = SimpleCookie(_header(scope, b"cookie"))
        morsel = cookies.get(service.options.session_cookie_name)
        session = SessionCodec(service.options).load(morsel.value if morsel else None)
        principal = await service.principal_for_session(session)
        if principal is not None:
            content_type = _header(scope, b"content-type").split(";")[0].strip().lower()
            if scope.get("method") == "POST" and content_type != "application/json":
                await deny(send, 401, service.options, "invalid_request", "send application/json")
                return
            scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)
