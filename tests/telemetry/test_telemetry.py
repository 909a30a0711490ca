"""Request IDs, metrics and logs an operator can rely on, with no secrets in them."""

from __future__ import annotations

import io
import json
import logging

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from accountlens.app import http_stack
from accountlens.config import Settings
from accountlens.telemetry.install import install_telemetry
from accountlens.telemetry.logs import JsonFormatter, configure_logging, redact, request_id_var


def _app(**overrides: object) -> FastAPI:
    settings = Settings(_env_file=None).model_copy(update=overrides)
    app = FastAPI(middleware=http_stack(settings))
    install_telemetry(app, settings)

    @app.get("/items/{item_id}")
    async def item(item_id: str) -> dict[str, str]:
        logging.getLogger("test.items").info("served item %s", item_id)
        return {"id": item_id}

    return app


def _client(app: FastAPI, client_ip: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(client_ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_every_response_carries_a_request_id_and_a_well_formed_one_is_kept() -> None:
    async with _client(_app()) as client:
        fresh = await client.get("/items/1")
        kept = await client.get("/items/1", headers={"X-Request-ID": "req-1234567890"})
        hostile = await client.get("/items/1", headers={"X-Request-ID": "bad id\nwith newline"})
    assert len(fresh.headers["x-request-id"]) == 32
    assert kept.headers["x-request-id"] == "req-1234567890"
    assert hostile.headers["x-request-id"] != "bad id\nwith newline"


async def test_metrics_count_requests_by_route_template_not_raw_path() -> None:
    async with _client(_app()) as client:
        await client.get("/items/abc")
        await client.get("/items/def")
        text = (await client.get("/metrics")).text
    assert (
        'accountlens_http_requests_total{method="GET",route="/items/{item_id}",status="200"}'
        in (text)
    )
    assert "/items/abc" not in text
    assert "accountlens_http_request_duration_seconds_bucket" in text


async def test_metrics_are_hidden_from_remote_clients_without_the_metrics_token() -> None:
    app = _app(metrics_token=SecretStr("scrape-secret-value"))
    async with _client(app, client_ip="203.0.113.9") as remote:
        hidden = await remote.get("/metrics")
        wrong = await remote.get("/metrics", headers={"Authorization": "Bearer nope"})
        allowed = await remote.get(
            "/metrics", headers={"Authorization": "Bearer scrape-secret-value"}
        )
    assert hidden.status_code == 404
    assert wrong.status_code == 404
    assert allowed.status_code == 200


def test_json_logs_carry_the_request_id_and_extra_fields() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("test.json")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    token = request_id_var.set("req-abcdef123")
    try:
        logger.info("tool called", extra={"tool": "list_objects", "latency_ms": 4.2})
    finally:
        request_id_var.reset(token)
        logger.removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert entry["message"] == "tool called"
    assert entry["request_id"] == "req-abcdef123"
    assert entry["tool"] == "list_objects"
    assert entry["latency_ms"] == 4.2


@pytest.mark.parametrize(
    ("secret_text", "secret"),
    [
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "eyJhbGciOiJIUzI1NiJ9"),
        ("connecting to postgresql://app:hunter2hunter2@db:5432/x", "hunter2hunter2"),
        ("GET /cb?code_verifier=abcdefghijklmnop&state=1", "abcdefghijklmnop"),
        ("token alk_" + "A" * 43 + "_" + "b" * 49, "A" * 43),
    ],
)
def test_credentials_are_redacted_from_log_lines(secret_text: str, secret: str) -> None:
    assert secret not in redact(secret_text)


def test_configured_logging_redacts_what_any_library_logs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        configure_logging("DEBUG", json_output=True)
        logging.getLogger("some.library").debug("issued Bearer abcdefghijklmnopqrstuvwxyz")
        err = capsys.readouterr().err
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    line = json.loads(err.strip().splitlines()[-1])
    assert line["logger"] == "some.library"
    assert "abcdefghijklmnopqrstuvwxyz" not in err
