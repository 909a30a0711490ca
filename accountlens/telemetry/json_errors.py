"""One JSON refusal for ASGI middleware that answers before any app (and its framework) runs.

The body limit, the bearer-token check, the per-connection call limit and the MCP endpoint's
"use POST" all refuse a request themselves; each answers ``{"error", "error_description"}`` (the
OAuth error shape, RFC 6749 §5.2, which our clients already parse) with its own extra headers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from starlette.types import Send


async def send_json_error(
    send: Send,
    status: int,
    error: str,
    description: str,
    headers: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    """Send ``status`` with ``{"error": error, "error_description": description}`` and
    ``headers`` after the content type and length."""
    body = json.dumps({"error": error, "error_description": description}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
