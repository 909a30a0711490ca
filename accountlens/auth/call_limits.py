"""The gate in front of ``/mcp``: a valid bearer token, then a per-connection rate limit.

The token is checked by :class:`~accountlens.auth.resource.BearerGuard` with the verifier of the
app's current auth service (looked up per request, so reconfiguring the service in tests or at
runtime takes effect). The rate limit counts requests per connection in fixed one-minute windows
stored in PostgreSQL (the auth package's ``rate_limit_buckets``), so every replica enforces the
same budget; the count is taken by the token check's own statement
(:mod:`accountlens.auth.bearer_query`), so it costs no round trip of its own. Over the budget,
the answer is 429 with ``Retry-After`` (seconds to the next window). While the database is
unreachable the gate answers 503 with ``Retry-After`` instead of failing.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

from sqlalchemy.exc import DBAPIError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accountlens.auth.options import RateLimit
from accountlens.auth.resource import BearerGuard
from accountlens.auth.service import DatabaseAuthService
from accountlens.db.faults import failure_cause

WINDOW = timedelta(minutes=1)

log = logging.getLogger(__name__)


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
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            guard = BearerGuard(self._limited, service.verifier, limit=self.rule)
            await guard(scope, receive, tracked)
        except (OSError, DBAPIError, TimeoutError) as exc:
            # The database is away: fail fast with 503 (never a 500) and let the client retry.
            log.warning("MCP request refused: the database is unavailable (%s)", failure_cause(exc))
            if not started:
                await _respond(send, 503, "unavailable", "the database is unavailable", 5)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["state"]["within_limit"]:
            await self.app(scope, receive, send)
            return
        window = int(WINDOW.total_seconds())
        retry_after = max(1, window - int(time.time()) % window)
        description = (
            f"at most {self.rule.limit} requests per minute per connection; "
            f"retry in {retry_after} s"
        )
        await _respond(send, 429, "rate_limited", description, retry_after)


async def _respond(send: Send, status: int, error: str, description: str, retry: int) -> None:
    body = json.dumps({"error": error, "error_description": description}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
