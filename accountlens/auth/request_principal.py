"""Who is calling ``/graphql``: a bearer token (internal apps) or the web session (browsers).

:class:`RequestPrincipal` sits in front of the given path prefixes. A request with an
``Authorization`` header is judged by the token alone (a bad token is a 401 with the same
challenge as ``/mcp``, never a fallback to the cookie). Without one, the session cookie decides;
a cookie-authenticated POST must be ``application/json``, which a cross-site form cannot send
(and SameSite=Lax keeps the cookie off cross-site POSTs anyway), so the session cannot be
ridden by CSRF. Either way the principal lands on ``request.state.principal``; with neither the
request continues without one and the endpoint answers 401.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.types import ASGIApp, Receive, Scope, Send

from accountlens.auth.resource import BearerGuard, bearer_token, deny
from accountlens.auth.service import DatabaseAuthService
from accountlens.auth.sessions import SessionCodec


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


class RequestPrincipal:
    """ASGI middleware: authenticate requests under ``prefixes`` by token or session."""

    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...] = ("/graphql",)) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.prefixes):
            await self.app(scope, receive, send)
            return
        service: DatabaseAuthService = scope["app"].state.auth_service
        if bearer_token(scope.get("headers", [])) is not None:
            await BearerGuard(self.app, service.verifier)(scope, receive, send)
            return
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
