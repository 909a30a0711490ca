"""The gate in front of ``/mcp``: a valid bearer token, then a per-connection rate limit.

The token is checked by :class:`~accountlens.auth.resource.BearerGuard` with the verifier of the
app's current auth service (looked up per request, so reconfiguring the service in tests or at
runtime takes effect). The rate limit counts requests per connection in fixed one-minute windows
stored in PostgreSQL (the auth package's ``rate_limit_buckets``), so every replica enforces the
same budget; over it, the answer is 429 with ``Retry-After`` (seconds to the next window).
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

from starlette.types import ASGIApp, Receive, Scope, Send

from accountlens.auth import repository
from accountlens.auth.options import RateLimit
from accountlens.auth.principal import Principal
from accountlens.auth.resource import BearerGuard
from accountlens.auth.service import DatabaseAuthService
from accountlens.db.engine import Database

WINDOW = timedelta(minutes=1)


def connection_bucket(principal: Principal) -> str:
    """One bucket per connection (per user for a token without a connection)."""
    subject = principal.connection_id or principal.user_id
    return f"mcp:{subject.hex}"


class McpGate:
    """ASGI middleware for ``/mcp``: authenticate, then rate-limit per connection."""

    def __init__(self, app: ASGIApp, per_minute: int) -> None:
        self.app = app
        self.rule = RateLimit(per_minute, WINDOW)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        service: DatabaseAuthService = scope["app"].state.auth_service
        await BearerGuard(self._limited, service.verifier)(scope, receive, send)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal: Principal = scope["state"]["principal"]
        database: Database = scope["app"].state.db
        async with database.sessions() as session:
            allowed = await repository.hit(session, connection_bucket(principal), self.rule)
            await session.commit()
        if allowed:
            await self.app(scope, receive, send)
            return
        window = int(WINDOW.total_seconds())
        retry_after = max(1, window - int(time.time()) % window)
        body = json.dumps(
            {
                "error": "rate_limited",
                "error_description": (
                    f"at most {self.rule.limit} requests per minute per connection; "
                    f"retry in {retry_after} s"
                ),
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(retry_after).encode()),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
