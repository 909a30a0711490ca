"""CORS for browser-based MCP clients: who may call which endpoint from another origin.

* The public OAuth endpoints (metadata under ``/.well-known/``, registration, token, revocation)
  answer any origin, without credentials (``Access-Control-Allow-Origin: *``, no cookies): they
  are meant to be called by clients that have nothing but a URL, and hold nothing a foreign page
  could ride.
* ``/mcp`` answers only the origins an operator lists (``ACCOUNTLENS_CORS_ORIGINS``); the MCP
  transport's own Origin check (DNS-rebinding protection) still refuses every other origin.
* Everything else (``/graphql``, the web pages) stays same-origin: no CORS headers, so a
  browser never lets a foreign page read an answer, and the session cookie cannot be used
  cross-site.

A preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) that one of these
rules allows is answered here, before authentication: browsers never send credentials on a
preflight. Any other request passes on, and its answer, 401 challenges included, gets the
headers, with ``WWW-Authenticate`` (and the MCP session and version headers) exposed so that a
browser client can read the challenge and start OAuth.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PUBLIC_PREFIXES = ("/.well-known/",)
PUBLIC_PATHS = frozenset({"/oauth/register", "/oauth/token", "/oauth/revoke"})
MCP_PATHS = frozenset({"/mcp", "/mcp/"})

#: How long a browser may cache a preflight answer, in seconds.
PREFLIGHT_MAX_AGE = 600
#: A requested header list we echo back: header names and commas only (no CR/LF smuggling).
_HEADER_LIST = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$")


@dataclass(frozen=True, slots=True)
class Policy:
    allow_origin: str
    methods: str
    expose: str
    vary: bool


PUBLIC = Policy(
    allow_origin="*",
    methods="GET, POST",
    expose="WWW-Authenticate, Retry-After",
    vary=False,
)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class CrossOrigin:
    """ASGI middleware: CORS on the public OAuth endpoints and, for listed origins, ``/mcp``."""

    def __init__(self, app: ASGIApp, *, mcp_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.mcp_origins = frozenset(o.rstrip("/") for o in mcp_origins)

    def policy(self, path: str, origin: str) -> Policy | None:
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            return PUBLIC
        if path in MCP_PATHS and origin in self.mcp_origins:
            return Policy(
                allow_origin=origin,
                methods="POST",
                expose="WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version, Retry-After",
                vary=True,
            )
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = _header(scope, b"origin") if scope["type"] == "http" else None
        policy = self.policy(str(scope.get("path", "")), origin) if origin else None
        if policy is None:
            await self.app(scope, receive, send)
            return
        requested = _header(scope, b"access-control-request-method")
        if scope["method"] == "OPTIONS" and requested is not None:
            await self._preflight(scope, send, policy)
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Access-Control-Allow-Origin"] = policy.allow_origin
                headers["Access-Control-Expose-Headers"] = policy.expose
                if policy.vary:
                    headers.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, with_cors)

    async def _preflight(self, scope: Scope, send: Send, policy: Policy) -> None:
        headers = [
            (b"access-control-allow-origin", policy.allow_origin.encode()),
            (b"access-control-allow-methods", policy.methods.encode()),
            (b"access-control-max-age", str(PREFLIGHT_MAX_AGE).encode()),
            (b"content-length", b"0"),
        ]
        asked = _header(scope, b"access-control-request-headers")
        if asked and _HEADER_LIST.match(asked.strip()):
            # Echoed: the origin is allowed here, and no cookie ever rides these requests.
            headers.append((b"access-control-allow-headers", asked.strip().encode()))
        if policy.vary:
            headers.append((b"vary", b"Origin"))
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
