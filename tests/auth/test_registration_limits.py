"""Dynamic registration at scale: identical registrations share a client, new ones are limited
per address and globally with an honest Retry-After, unused clients are collected."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from accountlens.auth.install import configure_auth
from accountlens.auth.options import AuthOptions, RateLimit
from accountlens.db.engine import Database
from tests.auth.helpers import (
    People,
    authorize_params,
    build_app,
    connect,
    pkce,
    settings_for,
)

# The shape Claude.ai registers with, from one egress range for every user of a deployment.
CLAUDE_AI_SHAPED = {
    "client_name": "Claude",
    "redirect_uris": ["https://claude.ai/api/mcp/auth_callback"],
    "grant_types": ["authorization_code", "refresh_token"],
    "response_types": ["code"],
    "token_endpoint_auth_method": "none",
}


def _from(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")


def _limit(app: FastAPI, per_address: int, global_: int = 10_000) -> None:
    options: AuthOptions = app.state.auth_service.options
    configure_auth(
        app,
        replace(
            options,
            registrations_per_address=RateLimit(per_address, timedelta(hours=1)),
            registrations_global=RateLimit(global_, timedelta(hours=1)),
        ),
    )


def _seconds_left_in_the_hour() -> int:
    return 3600 - int(time.time()) % 3600


async def test_a_burst_of_identical_claude_ai_registrations_from_one_address_all_succeed(
    app: FastAPI,
) -> None:
    _limit(app, per_address=3, global_=3)
    async with _from(app, "160.79.104.10") as http:
        answers = [await http.post("/oauth/register", json=CLAUDE_AI_SHAPED) for _ in range(25)]
    assert {a.status_code for a in answers} == {201}
    bodies = [a.json() for a in answers]
    # one client, re-issued: the same id and the same issue time every time
    assert len({b["client_id"] for b in bodies}) == 1
    assert len({b["client_id_issued_at"] for b in bodies}) == 1
    assert bodies[0]["redirect_uris"] == CLAUDE_AI_SHAPED["redirect_uris"]
    # and the budget for new clients is untouched
    async with _from(app, "160.79.104.10") as http:
        other = {**CLAUDE_AI_SHAPED, "client_name": "Claude (another deployment)"}
        assert (await http.post("/oauth/register", json=other)).status_code == 201


async def test_distinct_registrations_over_the_per_address_limit_get_429_with_an_honest_retry_after(
    app: FastAPI,
) -> None:
    _limit(app, per_address=3)
    async with _from(app, "203.0.113.7") as http:
        statuses = []
        for n in range(5):
            body = {"client_name": f"Client {n}", "redirect_uris": [f"http://127.0.0.1/cb{n}"]}
            last = await http.post("/oauth/register", json=body)
            statuses.append(last.status_code)
    assert statuses == [201, 201, 201, 429, 429]
    assert last.json()["error"] == "temporarily_unavailable"
    # Retry-After is the time until the hour's window ends, not a constant hour
    retry_after = int(last.headers["retry-after"])
    assert abs(retry_after - _seconds_left_in_the_hour()) <= 2
    # another address is not affected
    async with _from(app, "198.51.100.9") as http:
        body = {"client_name": "Elsewhere", "redirect_uris": ["http://127.0.0.1/cb"]}
        assert (await http.post("/oauth/register", json=body)).status_code == 201


async def test_the_global_ceiling_caps_new_clients_from_all_addresses_together(
    app: FastAPI,
) -> None:
    _limit(app, per_address=100, global_=2)
    statuses = []
    for n, address in enumerate(("192.0.2.1", "192.0.2.2", "192.0.2.3")):
        async with _from(app, address) as http:
            body = {"client_name": f"Client {n}", "redirect_uris": [f"http://127.0.0.1/c{n}"]}
            response = await http.post("/oauth/register", json=body)
            statuses.append(response.status_code)
    assert statuses == [201, 201, 429]
    assert int(response.headers["retry-after"]) >= 1


async def test_unused_clients_older_than_the_configured_age_are_collected_and_used_ones_kept(
    app: FastAPI, client: httpx.AsyncClient, people: People, fresh_db: Database
) -> None:
    used_id, _ = await connect(client, people.bob.email)  # registered and got a token
    unused = await client.post(
        "/oauth/register",
        json={"client_name": "Abandoned", "redirect_uris": ["http://127.0.0.1:33418/callback"]},
    )
    unused_id = unused.json()["client_id"]
    async with fresh_db.engine.begin() as conn:
        await conn.execute(
            text("UPDATE oauth_clients SET last_registered_at = now() - interval '8 days'")
        )

    fresh = await client.post(
        "/oauth/register", json={"client_name": "New", "redirect_uris": ["http://127.0.0.1/n"]}
    )
    assert fresh.status_code == 201

    _, challenge = pkce()
    gone = await client.get("/oauth/authorize", params=authorize_params(unused_id, challenge))
    kept = await client.get("/oauth/authorize", params=authorize_params(used_id, challenge))
    assert gone.status_code == 400
    assert "invalid_client" in gone.text
    assert kept.status_code == 200


async def test_each_registration_and_sign_in_limit_is_read_from_settings(
    monkeypatch: pytest.MonkeyPatch, fresh_db: Database
) -> None:
    for name, value in {
        "REGISTRATION_LIMIT_PER_ADDRESS": "7",
        "REGISTRATION_LIMIT_GLOBAL": "70",
        "REGISTRATION_LIMIT_WINDOW_SECONDS": "600",
        "UNUSED_CLIENT_MAX_AGE_HOURS": "5",
        "SIGN_IN_FAILURE_LIMIT_PER_ADDRESS": "11",
        "SIGN_IN_FAILURE_LIMIT_PER_EMAIL": "4",
        "SIGN_IN_FAILURE_WINDOW_SECONDS": "120",
    }.items():
        monkeypatch.setenv(f"ACCOUNTLENS_{name}", value)
    options = AuthOptions.from_settings(settings_for("http://127.0.0.1:8000"))
    assert options.registrations_per_address == RateLimit(7, timedelta(minutes=10))
    assert options.registrations_global == RateLimit(70, timedelta(minutes=10))
    assert options.unused_client_max_age == timedelta(hours=5)
    assert options.sign_in_per_address == RateLimit(11, timedelta(minutes=2))
    assert options.sign_in_per_email == RateLimit(4, timedelta(minutes=2))

    # and the app built from those settings enforces them
    app = build_app(fresh_db, "http://127.0.0.1:8000")
    async with _from(app, "192.0.2.50") as http:
        statuses = [
            (
                await http.post(
                    "/oauth/register",
                    json={"client_name": f"C{n}", "redirect_uris": [f"http://127.0.0.1/{n}"]},
                )
            ).status_code
            for n in range(8)
        ]
    assert statuses == [201] * 7 + [429]
