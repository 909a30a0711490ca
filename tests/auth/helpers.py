"""Small helpers the auth and web tests share: people, apps, and the OAuth dance over HTTP."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from accountlens.app import create_app
from accountlens.auth import users
from accountlens.auth.install import configure_auth
from accountlens.auth.options import AuthOptions
from accountlens.config import Settings
from accountlens.db.engine import Database

PASSWORD = "correct horse battery staple"
REDIRECT_URI = "http://127.0.0.1:33418/callback"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Person:
    email: str
    org_slug: str
    user_id: uuid.UUID
    org_id: uuid.UUID


@dataclass(frozen=True)
class People:
    alice: Person  # admin of acme
    bob: Person  # member of acme
    carol: Person  # member of acme
    dave: Person  # admin of globex


async def create_people(db: Database) -> People:
    async with db.sessions() as session:
        await users.create_org(session, "Acme Corp", "acme", "restricted")
        await users.create_org(session, "Globex", "globex", "open")
        made = []
        for email, org, role in (
            ("alice@acme.test", "acme", "admin"),
            ("bob@acme.test", "acme", "member"),
            ("carol@acme.test", "acme", "member"),
            ("dave@globex.test", "globex", "admin"),
        ):
            user = await users.create_user(
                session,
                org,
                email,
                email.split("@")[0].title(),
                PASSWORD,
                role,  # type: ignore[arg-type]
            )
            made.append(Person(email, org, user.id, user.org_id))
        await session.commit()
    return People(*made)


def settings_for(public_url: str) -> Settings:
    return Settings(
        _env_file=None,
        environment="test",
        public_url=public_url,
        secret_key="test-secret-key-that-is-long-enough-0123456789",
    )


async def whoami(scope: Scope, receive: Receive, send: Send) -> None:
    """A stand-in protected resource: echoes the principal the app's token check put there."""
    principal = Request(scope, receive).state.principal
    response = JSONResponse(
        {"user_id": str(principal.user_id), "connection_id": str(principal.connection_id)}
    )
    await response(scope, receive, send)


def as_app_role(db: Database) -> Database:
    """``db`` as the app runs it in production: every request as the app role (which row-level
    security binds and the grants restrict), the owner kept for what the operator does."""
    return Database(engine=db.read_engine, read_engine=db.read_engine, owner_engine=db.engine)


def build_app(db: Database, public_url: str, options: AuthOptions | None = None) -> FastAPI:
    """The real app, plus a stand-in at ``/mcp`` (guarded by the app's own middleware stack)."""
    app = create_app(settings_for(public_url), database=db)
    app.state.db = as_app_role(db)
    if options is not None:
        configure_auth(app, options)
    app.mount("/mcp", whoami)
    return app


def mid_minute_connection_limits(*apps: FastAPI) -> None:
    """Count ``apps``' per-connection requests at one instant in the middle of this minute.

    A burst of requests then lands in one window however long it takes, instead of the test
    waiting for a fresh minute whenever it might straddle two. Every app gets the same instant,
    so replicas still share one bucket.
    """
    instant = datetime.now(UTC).replace(second=30, microsecond=0)
    for app in apps:
        options = app.state.auth_service.options
        rule = replace(options.requests_per_connection, clock=lambda: instant)
        configure_auth(app, replace(options, requests_per_connection=rule))


def client_for(app: FastAPI, base_url: str = "http://127.0.0.1:8000") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def register(
    client: httpx.AsyncClient, redirect_uri: str = REDIRECT_URI, client_name: str = "Test Client"
) -> str:
    """A client id; identical registrations share one client, so vary the name for another."""
    response = await client.post(
        "/oauth/register", json={"client_name": client_name, "redirect_uris": [redirect_uri]}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["client_id"])


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    page = await client.get("/sign-in")
    return await client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text), "next": "/"},
    )


def authorize_params(client_id: str, challenge: str | None, **extra: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT_URI,
        "state": "state-123",
        "scope": "read",
        "resource": "http://127.0.0.1:8000/mcp",
    }
    if challenge is not None:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    params |= extra
    return {k: v for k, v in params.items() if v != ""}


async def approve(client: httpx.AsyncClient, params: dict[str, str]) -> httpx.Response:
    """Open the consent page and press Allow; returns the response to the decision."""
    page = await client.get("/oauth/authorize?" + urlencode(params))
    assert page.status_code == 200, page.text
    form = {name: value for name, value in params.items()}
    form |= {"csrf_token": csrf_of(page.text), "decision": "approve"}
    return await client.post("/oauth/authorize", data=form)


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def get_code(client: httpx.AsyncClient, client_id: str, challenge: str) -> str:
    decision = await approve(client, authorize_params(client_id, challenge))
    assert decision.status_code == 303, decision.text
    return query_of(decision.headers["location"])["code"]


async def exchange(
    client: httpx.AsyncClient, client_id: str, code: str, verifier: str | None, **extra: str
) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": client_id,
        "resource": "http://127.0.0.1:8000/mcp",
    }
    if verifier is not None:
        data["code_verifier"] = verifier
    data |= extra
    return await client.post("/oauth/token", data={k: v for k, v in data.items() if v != ""})


async def signed_in_with_client(
    client: httpx.AsyncClient, email: str, client_name: str = "Test Client"
) -> str:
    """Sign in as ``email`` and register a client for them to authorize; its client id."""
    await sign_in(client, email)
    return await register(client, client_name=client_name)


async def approved_code(
    client: httpx.AsyncClient, email: str, client_name: str = "Test Client"
) -> tuple[str, str, str]:
    """Sign in as ``email`` and approve a fresh client: (client id, PKCE verifier, its code)."""
    client_id = await signed_in_with_client(client, email, client_name)
    verifier, challenge = pkce()
    return client_id, verifier, await get_code(client, client_id, challenge)


def assert_error_page(response: httpx.Response, error: str) -> None:
    """An authorization request refused with an error page naming ``error``, never a redirect
    (tests/auth/test_authorization_errors.py says why)."""
    assert response.status_code == 400
    assert "location" not in response.headers
    assert error in response.text


async def connect(
    client: httpx.AsyncClient, email: str, client_name: str = "Test Client"
) -> tuple[str, str]:
    """Sign in as ``email``, authorize a fresh client and return (client_id, access token)."""
    client_id, verifier, code = await approved_code(client, email, client_name)
    response = await exchange(client, client_id, code, verifier)
    assert response.status_code == 200, response.text
    return client_id, str(response.json()["access_token"])
