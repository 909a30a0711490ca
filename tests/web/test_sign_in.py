"""Sign-in: credentials, rate limits, session cookies."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from accountlens.auth.install import configure_auth
from accountlens.auth.options import AuthOptions, RateLimit
from accountlens.auth.sessions import BrowserSession, SessionCodec
from accountlens.db.engine import Database
from tests.auth.helpers import People, build_app, client_for, csrf_of, sign_in


async def test_a_right_password_signs_in_with_an_httponly_lax_cookie(
    client: httpx.AsyncClient, people: People
) -> None:
    response = await sign_in(client, people.alice.email)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("accountlens_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    home = await client.get("/")
    assert home.status_code == 200
    assert "/mcp" in home.text
    assert "Claude" in home.text


async def test_a_wrong_password_or_unknown_email_is_refused_alike(
    client: httpx.AsyncClient, people: People
) -> None:
    wrong = await sign_in(client, people.alice.email, "not the password")
    unknown = await sign_in(client, "nobody@acme.test", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert (await client.get("/")).status_code == 303


async def test_a_disabled_user_cannot_sign_in_and_their_session_ends(
    client: httpx.AsyncClient, people: People, fresh_db: Database
) -> None:
    await sign_in(client, people.bob.email)
    assert (await client.get("/")).status_code == 200
    async with fresh_db.engine.begin() as conn:
        await conn.execute(text("UPDATE users SET is_active = false WHERE email = 'bob@acme.test'"))
    assert (await client.get("/")).status_code == 303
    assert (await sign_in(client, people.bob.email)).status_code == 401


async def test_sign_in_is_rate_limited_per_email(
    client: httpx.AsyncClient, people: People, app: FastAPI
) -> None:
    options = app.state.auth_service.options
    configure_auth(app, replace(options, sign_in_per_email=RateLimit(3, timedelta(minutes=15))))
    statuses = [
        (await sign_in(client, people.alice.email, "wrong password!")).status_code for _ in range(3)
    ]
    # the limit holds even for the right password
    statuses.append((await sign_in(client, people.alice.email)).status_code)
    assert statuses == [401, 401, 401, 429]


async def test_a_sign_in_post_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, people: People
) -> None:
    response = await client.post(
        "/sign-in", data={"email": people.alice.email, "password": "correct horse battery staple"}
    )
    assert response.status_code == 403


async def test_sign_in_never_redirects_off_site(client: httpx.AsyncClient, people: People) -> None:
    page = await client.get("/sign-in")

    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = await client.post(
            "/sign-in",
            data={
                "email": people.alice.email,
                "password": "correct horse battery staple",
                "csrf_token": csrf_of(page.text),
                "next": target,
            },
        )
        assert response.headers["location"] == "/"
        page = await client.get("/sign-in")


def test_over_https_the_cookie_is_host_prefixed_and_secure() -> None:
    codec = SessionCodec(AuthOptions(public_url="https://lens.example", secret_key=b"k" * 32))
    attributes = codec.cookie_attributes()
    assert attributes["key"] == "__Host-accountlens_session"
    assert attributes["secure"] is True
    assert attributes["httponly"] is True
    assert attributes["samesite"] == "lax"
    assert attributes["path"] == "/"


def test_a_tampered_session_cookie_is_ignored() -> None:
    codec = SessionCodec(AuthOptions(public_url="https://lens.example", secret_key=b"k" * 32))
    cookie = codec.dump(BrowserSession.anonymous())
    assert codec.load(cookie) is not None
    assert codec.load(cookie[:-2] + ("A" if cookie[-2] != "A" else "B") + cookie[-1]) is None


async def test_hsts_is_sent_only_when_served_over_https(fresh_db: Database) -> None:

    secure = build_app(fresh_db, "https://lens.example")
    async with client_for(secure, "https://lens.example") as http:
        response = await http.get("/sign-in")
    assert "max-age=" in response.headers["strict-transport-security"]
    assert response.headers["set-cookie"].startswith("__Host-accountlens_session=")
    assert "Secure" in response.headers["set-cookie"]
    plain = build_app(fresh_db, "http://127.0.0.1:8000")
    async with client_for(plain) as http:
        assert "strict-transport-security" not in (await http.get("/sign-in")).headers


async def test_successful_sign_ins_do_not_consume_the_failure_budget(
    client: httpx.AsyncClient, people: People, app: FastAPI
) -> None:
    options = app.state.auth_service.options
    configure_auth(
        app,
        replace(
            options,
            sign_in_per_email=RateLimit(3, timedelta(minutes=15)),
            sign_in_per_address=RateLimit(3, timedelta(minutes=15)),
        ),
    )
    # a team signing in all day from one office address, and the same person again and again
    statuses = [(await sign_in(client, people.alice.email)).status_code for _ in range(4)]
    statuses.append((await sign_in(client, people.bob.email)).status_code)
    assert statuses == [303] * 5
    # failures still count: two wrong passwords leave room for the right one
    assert (await sign_in(client, people.alice.email, "wrong password!")).status_code == 401
    assert (await sign_in(client, people.alice.email, "wrong password!")).status_code == 401
    assert (await sign_in(client, people.alice.email)).status_code == 303


async def test_too_many_failed_sign_ins_get_429_with_the_seconds_until_the_window_frees(
    client: httpx.AsyncClient, people: People, app: FastAPI
) -> None:
    options = app.state.auth_service.options
    configure_auth(app, replace(options, sign_in_per_email=RateLimit(2, timedelta(hours=1))))
    for _ in range(2):
        await sign_in(client, people.alice.email, "wrong password!")
    refused = await sign_in(client, people.alice.email)
    assert refused.status_code == 429
    left_in_the_hour = 3600 - int(time.time()) % 3600
    assert abs(int(refused.headers["retry-after"]) - left_in_the_hour) <= 2
