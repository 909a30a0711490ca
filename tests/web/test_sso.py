"""Single sign-on end to end, against a real OpenID provider (npm ``oidc-provider``) on loopback.

The app runs in-process; the browser is an httpx client whose cookies span both, following
redirects by hand and posting the provider's own login and consent forms. The provider's
special clients (tests/tools/oidc_provider.mjs) stand for a token with another issuer, one
signed with another key, and a replayed ID token.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import httpx
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import undefer

from accountlens.auth import users
from accountlens.auth.install import configure_auth
from accountlens.auth.options import RateLimit
from accountlens.auth.sso_admin import SsoSettings, set_sso
from accountlens.db.engine import Database
from accountlens.db.models import User
from tests.auth.helpers import (
    People,
    approve,
    authorize_params,
    csrf_of,
    exchange,
    pkce,
    query_of,
    register,
    sign_in,
)
from tests.tools.oidc import CLIENT_SECRET, running_provider, sign_in_at_provider

APP = "http://127.0.0.1:8000"
CALLBACK = f"{APP}/sign-in/sso/callback"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def issuer() -> AsyncIterator[str]:
    async with running_provider(CALLBACK) as url:
        yield url


def browser_for(app: FastAPI) -> httpx.AsyncClient:
    """One browser: our app in-process, the provider over loopback, one cookie jar."""
    return httpx.AsyncClient(mounts={APP: httpx.ASGITransport(app=app)}, base_url=APP)


@pytest_asyncio.fixture(loop_scope="session")
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with browser_for(app) as client:
        yield client


async def configure(
    app: FastAPI,
    db: Database,
    issuer: str,
    *,
    org: str = "acme",
    client_id: str = "accountlens",
    domains: tuple[str, ...] = ("acme.test",),
    jit: bool = False,
    role: str = "member",
    passwords: bool = True,
) -> None:
    wanted = SsoSettings(
        issuer=issuer,
        client_id=client_id,
        client_secret=CLIENT_SECRET,
        domains=domains,
        jit_provisioning=jit,
        default_role="admin" if role == "admin" else "member",
        local_passwords_disabled=not passwords,
    )
    async with db.sessions() as session:
        await set_sso(session, app.state.auth_service.options.secret_key, org, wanted)
        await session.commit()


async def start(browser: httpx.AsyncClient, email: str, next_path: str = "/") -> httpx.Response:
    """Type the e-mail on our sign-in page and press "Sign in with SSO"."""
    page = await browser.get(f"/sign-in?next={quote(next_path, safe='')}")
    form = {"email": email, "csrf_token": csrf_of(page.text), "next": next_path}
    return await browser.post("/sign-in/sso", data=form)


async def round_trip(
    browser: httpx.AsyncClient, email: str, login: str | None = None, next_path: str = "/"
) -> str:
    """Start SSO and sign in at the provider (as ``login``); the callback URL, not yet visited."""
    started = await start(browser, email, next_path)
    assert started.status_code == 303, started.text
    return await sign_in_at_provider(browser, started.headers["location"], login or email)


async def assert_signed_out(
    browser: httpx.AsyncClient, page: httpx.Response, status: int, words: str
) -> None:
    """The sign-in ended on a ``status`` page saying ``words``, and nobody is signed in."""
    assert page.status_code == status
    assert words in page.text
    assert await signed_in_as(browser) is None


async def signed_in_as(browser: httpx.AsyncClient) -> str | None:
    """The header's "name · org" on the home page, or None when the browser is signed out."""
    home = await browser.get("/")
    if home.status_code != 200:
        return None
    start_at = home.text.index('class="who">') + len('class="who">')
    return home.text[start_at : home.text.index("</span>", start_at)]


async def test_a_new_person_is_created_just_in_time_and_lands_signed_in_with_the_default_role(
    app: FastAPI, fresh_db: Database, people: People, issuer: str, browser: httpx.AsyncClient
) -> None:
    # given an org whose provider may create people, as members
    await configure(app, fresh_db, issuer, jit=True, role="member")
    # when someone new signs in through it
    callback = await round_trip(browser, "pat@acme.test")
    landed = await browser.get(callback)
    # then they are signed in to that org, as a member with their provider subject recorded
    assert landed.status_code == 303
    assert landed.headers["location"] == "/"
    assert await signed_in_as(browser) == "Pat · Acme Corp"
    async with fresh_db.sessions() as session:
        # the hash is deferred (the app role may not read it): the owner asks for it
        pat = await session.scalar(
            select(User).options(undefer(User.password_hash)).where(User.email == "pat@acme.test")
        )
    assert pat is not None
    assert (pat.org_id, pat.role, pat.sso_subject) == (
        people.alice.org_id,
        "member",
        "sub-pat@acme.test",
    )
    assert pat.password_hash is None


async def test_an_existing_person_is_matched_by_verified_email_then_by_subject(
    app: FastAPI, fresh_db: Database, people: People, issuer: str, browser: httpx.AsyncClient
) -> None:
    await configure(app, fresh_db, issuer, jit=False)
    await browser.get(await round_trip(browser, "alice@acme.test"))
    assert await signed_in_as(browser) == "Alice · Acme Corp"
    async with fresh_db.sessions() as session:
        alice = await users.find_user(session, "acme", "alice@acme.test")
    assert alice.sso_subject == "sub-alice@acme.test"
    # a second sign-in in another browser finds her by subject, as the same account
    async with browser_for(app) as other:
        await other.get(await round_trip(other, "alice@acme.test"))
        assert await signed_in_as(other) == "Alice · Acme Corp"
    async with fresh_db.sessions() as session:
        count = len(
            list(await session.scalars(select(User).where(User.email == "alice@acme.test")))
        )
    assert count == 1


async def test_an_mcp_client_authorization_continues_to_consent_after_sso_and_gets_a_token(
    app: FastAPI, fresh_db: Database, people: People, issuer: str, browser: httpx.AsyncClient
) -> None:
    # given an MCP client sends a signed-out browser to our authorization endpoint
    await configure(app, fresh_db, issuer)
    client_id = await register(browser)
    verifier, challenge = pkce()
    params = authorize_params(client_id, challenge)
    asked = await browser.get("/oauth/authorize?" + urlencode(params))
    assert asked.status_code == 303
    next_path = query_of(asked.headers["location"])["next"]
    # when the person signs in through their provider
    landed = await browser.get(await round_trip(browser, "bob@acme.test", next_path=next_path))
    # then they are back on the consent page, and approving gives the client a token
    assert landed.headers["location"] == next_path
    decision = await approve(browser, params)
    code = query_of(decision.headers["location"])["code"]
    token = await exchange(browser, client_id, code, verifier)
    assert token.status_code == 200, token.text
    assert token.json()["token_type"] == "Bearer"


async def test_a_next_path_off_the_site_lands_on_the_home_page_after_sso(
    app: FastAPI, fresh_db: Database, people: People, issuer: str, browser: httpx.AsyncClient
) -> None:
    await configure(app, fresh_db, issuer)
    for off_site in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        async with browser_for(app) as other:
            landed = await other.get(await round_trip(other, "bob@acme.test", next_path=off_site))
            assert landed.headers["location"] == "/"


async def test_a_domain_without_sso_stays_on_the_sign_in_page(
    app: FastAPI, fresh_db: Database, people: People, issuer: str, browser: httpx.AsyncClient
) -> None:
    await configure(app, fresh_db, issuer)
    response = await start(browser, "dave@globex.test")
    assert response.status_code == 404
    assert "Single sign-on is not set up for this e-mail address" in response.text
    assert 'value="dave@globex.test"' in response.text  # the e-mail stays typed in


async def test_a_discovery_document_naming_another_issuer_is_refused_before_any_redirect(
    app: FastAPI, fresh_db: Database, people: People, issuer: str, browser: httpx.AsyncClient
) -> None:
    # given an org configured with "localhost": the provider calls itself 127.0.0.1
    await configure(app, fresh_db, issuer.replace("127.0.0.1", "localhost"))
    response = await start(browser, "alice@acme.test")
    await assert_signed_out(browser, response, 502, "sign-in provider cannot be used right now")


async def test_an_id_token_from_another_issuer_signs_nobody_in(
    app: FastAPI, fresh_db: Database, people: People, issuer: str, browser: httpx.AsyncClient
) -> None:
    await configure(app, fresh_db, issuer, client_id="accountlens-wrong-issuer")
    landed = await browser.get(await round_trip(browser, "alice@acme.test"))
    await assert_signed_out(
        browser, landed, 401, "answer could not be verified, so you are not signed in"
    )


async def test_an_id_token_signed_with_another_key_signs_nobody_in(
    app: FastAPI, fresh_db: Database, people: People, issuer: str, browser: httpx.AsyncClient
) -> None:
    await configure(app, fresh_db, issuer, client_id="accountlens-bad-signature", jit=True)
    landed = await browser.get(await round_trip(browser, "pat@acme.test"))
    await assert_signed_out(browser, landed, 401, "answer could not be verified")
    async with fresh_db.sessions() as session:
        assert await session.scalar(select(User).where(User.email == "pat@acme.test")) is None


async def test_a_replayed_callback_is_refused_in_the_same_browser_and_in_another(
    app: FastAPI, fresh_db: Database, people: People, issuer: str, browser: httpx.AsyncClient
) -> None:
    await configure(app, fresh_db, issuer)
    callback = await round_trip(browser, "alice@acme.test")
    assert (await browser.get(callback)).status_code == 303
    # the same state again, in the same browser (now signed in) and in a stranger's
    again = await browser.get(callback)
    assert again.status_code == 400
    assert "This sign-in is no longer valid: it was already used" in again.text
    async with browser_for(app) as stranger:
        stolen = await stranger.get(callback)
        assert stolen.status_code == 400
        assert await signed_in_as(stranger) is None


async def test_a_callback_carried_to_another_browser_signs_nobody_in(
    app: FastAPI, fresh_db: Database, people: People, issuer: str, browser: httpx.AsyncClient
) -> None:
    await configure(app, fresh_db, issuer)
    callback = await round_trip(browser, "alice@acme.test")
    async with browser_for(app) as attacker:
        await attacker.get("/sign-in")  # a session cookie of its own
        landed = await attacker.get(callback)
        assert landed.status_code == 400
        assert await signed_in_as(attacker) is None
    # and the sign-in still works where it started
    assert (await browser.get(callback)).status_code == 303


async def test_a_replayed_id_token_with_an_old_nonce_signs_nobody_in(
    app: FastAPI, fresh_db: Database, people: People, issuer: str, browser: httpx.AsyncClient
) -> None:
    # given a provider that answers every later exchange with the first ID token it issued
    await configure(app, fresh_db, issuer, client_id="accountlens-replay")
    await browser.get(await round_trip(browser, "alice@acme.test"))
    assert await signed_in_as(browser) == "Alice · Acme Corp"
    async with browser_for(app) as other:
        landed = await other.get(await round_trip(other, "alice@acme.test"))
        await assert_signed_out(other, landed, 401, "could not be verified")


async def test_an_email_outside_the_allowed_domains_is_refused_by_name(
    app: FastAPI, fresh_db: Database, people: People, issuer: str, browser: httpx.AsyncClient
) -> None:
    # given the person types an acme address but signs in at the provider as someone else
    await configure(app, fresh_db, issuer, jit=True)
    landed = await browser.get(await round_trip(browser, "pat@acme.test", login="pat@other.test"))
    await assert_signed_out(
        browser, landed, 403, "pat@other.test is not in a domain your organisation allows"
    )
    async with fresh_db.sessions() as session:
        assert await session.scalar(select(User).where(User.email == "pat@other.test")) is None


async def test_an_unknown_person_is_refused_when_just_in_time_provisioning_is_off(
    app: FastAPI, fresh_db: Database, people: People, issuer: str, browser: httpx.AsyncClient
) -> None:
    await configure(app, fresh_db, issuer, jit=False)
    landed = await browser.get(await round_trip(browser, "pat@acme.test"))
    await assert_signed_out(
        browser, landed, 403, "There is no AccountLens account for pat@acme.test yet"
    )


async def test_an_unverified_email_matches_no_account(
    app: FastAPI, fresh_db: Database, people: People, issuer: str, browser: httpx.AsyncClient
) -> None:
    await configure(app, fresh_db, issuer, jit=True)
    landed = await browser.get(
        await round_trip(browser, "alice@acme.test", login="alice@acme.test+unverified")
    )
    await assert_signed_out(browser, landed, 403, "did not confirm your e-mail address")


async def test_a_password_is_refused_for_an_org_that_signs_in_only_with_sso(
    app: FastAPI, fresh_db: Database, people: People, issuer: str, browser: httpx.AsyncClient
) -> None:
    await configure(app, fresh_db, issuer, passwords=False)
    refused = await sign_in(browser, people.alice.email)
    await assert_signed_out(browser, refused, 403, "signs in with single sign-on, not passwords")
    # another org's people still sign in with their password
    assert (await sign_in(browser, people.dave.email)).status_code == 303


async def test_the_provider_refusing_shows_a_page_and_uses_up_the_attempt(
    app: FastAPI, fresh_db: Database, people: People, issuer: str, browser: httpx.AsyncClient
) -> None:
    await configure(app, fresh_db, issuer)
    started = await start(browser, "alice@acme.test")
    state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
    refused = await browser.get(
        "/sign-in/sso/callback", params={"state": state, "error": "access_denied"}
    )
    assert refused.status_code == 403
    assert "did not sign you in" in refused.text
    assert (await browser.get("/sign-in/sso/callback", params={"state": state})).status_code == 400


async def test_sso_starts_are_rate_limited_per_address(
    app: FastAPI, fresh_db: Database, people: People, issuer: str, browser: httpx.AsyncClient
) -> None:
    await configure(app, fresh_db, issuer)
    options = app.state.auth_service.options
    configure_auth(app, replace(options, sso_starts_per_address=RateLimit(2, timedelta(hours=1))))
    statuses = [(await start(browser, "alice@acme.test")).status_code for _ in range(3)]
    assert statuses == [303, 303, 429]
    limited = await start(browser, "alice@acme.test")
    assert "Too many single sign-on attempts" in limited.text
