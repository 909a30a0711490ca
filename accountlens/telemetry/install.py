"""Wire telemetry into the app: the request middleware and ``GET /metrics``."""

from __future__ import annotations

import hmac

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from accountlens.config import Settings, is_loopback_host
from accountlens.telemetry.body_limit import BodySizeLimit
from accountlens.telemetry.metrics import render
from accountlens.telemetry.middleware import RequestTelemetry


def install_telemetry(app: FastAPI, settings: Settings) -> None:
    """Add request IDs, metrics and a body-size ceiling to every request; serve ``/metrics``.

    ``/metrics`` answers loopback clients, or anyone presenting
    ``Authorization: Bearer $ACCOUNTLENS_METRICS_TOKEN`` when that is set; everyone else gets
    404, so the endpoint's existence is not advertised on the public address.
    """
    app.add_middleware(BodySizeLimit)
    app.add_middleware(RequestTelemetry)  # outermost: 413s are counted and carry a request ID
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
