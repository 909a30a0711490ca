"""Serve ``GET /metrics``. The request middleware (IDs, metrics, body ceiling) is declared in
the app's middleware stack (``accountlens.app``)."""

from __future__ import annotations

import hmac

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from accountlens.config import Settings, is_loopback_host
from accountlens.telemetry.metrics import render


def install_telemetry(app: FastAPI, settings: Settings) -> None:
    """Serve ``/metrics``.

    ``/metrics`` answers loopback clients, or anyone presenting
    ``Authorization: Bearer $ACCOUNTLENS_METRICS_TOKEN`` when that is set; everyone else gets
    404, so the endpoint's existence is not advertised on the public address.
    """
    expected = settings.metrics_token.get_secret_value() if settings.metrics_token else None

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        client = request.client.host if request.client else None
        given = request.headers.get("authorization", "")
        allowed = is_loopback_host(client) or (
            expected is not None and hmac.compare_digest(given, f"Bearer {expected}")
        )
        if not allowed:
            return PlainTextResponse("Not Found", status_code=404)
        return Response(render(), media_type=CONTENT_TYPE_LATEST)
