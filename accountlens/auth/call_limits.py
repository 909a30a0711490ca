"""The per-connection rate limit of bearer requests, and the answers that refuse them.

Requests are counted per connection in fixed one-minute windows stored in PostgreSQL (the auth
package's ``rate_limit_buckets``), so every replica enforces the same budget. The count costs no
statement of its own: the token check reads it and the statement that ends the request's unit of
work writes it (:mod:`accountlens.auth.request_unit`; with a read replica, the autocommit check
does both, :mod:`accountlens.auth.bearer_query`). One budget per connection, whichever endpoint
(``/mcp`` or ``/graphql``) the token is used at. Over it, the answer is 429 with ``Retry-After``
(seconds to the next window).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from accountlens.auth.options import RateLimit
from accountlens.telemetry.json_errors import send_json_error


class WithinLimit:
    """ASGI: lets a request on only if the token check found it within its connection's budget.

    Placed behind :class:`~accountlens.auth.resource.BearerGuard`, which leaves the verdict on
    ``scope["state"]["within_limit"]``.
    """

    def __init__(self, app: ASGIApp, rule: RateLimit) -> None:
        self.app = app
        self.rule = rule

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["state"].get("within_limit", True):
            await self.app(scope, receive, send)
            return
        _, retry_after = self.rule.current_window()
        description = (
            f"at most {self.rule.limit} requests per minute per connection; "
            f"retry in {retry_after} s"
        )
        await respond(send, 429, "rate_limited", description, retry_after)


async def respond(send: Send, status: int, error: str, description: str, retry: int) -> None:
    """A JSON refusal with ``Retry-After`` (429 over the limit, 503 while the database is away)."""
    headers = [(b"retry-after", str(retry).encode()), (b"cache-control", b"no-store")]
    await send_json_error(send, status, error, description, headers)
