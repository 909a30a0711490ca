"""The consent page's narrowing and expiry, submitted as a browser without JavaScript would:
what an unchanged form gives, and how forged or empty choices are refused before any code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select

from accountlens.db.engine import Database
from accountlens.db.models import AuthorizationCode
from tests.auth.helpers import People, authorize_params, exchange, pkce, query_of, register, sign_in
from tests.web.forms import Form, form_fields


async def consent_form(client: httpx.AsyncClient, email: str) -> tuple[str, str, Form]:
    """(client id, PKCE verifier, the consent form) for ``email``, signed in."""
    await sign_in(client, email)
    client_id = await register(client)
    verifier, challenge = pkce()
    page = await client.get("/oauth/authorize", params=authorize_params(client_id, challenge))
    assert page.status_code == 200, page.text
    return client_id, verifier, form_fields(page.text, "/oauth/authorize")


async def submit(client: httpx.AsyncClient, fields: list[tuple[str, str]]) -> httpx.Response:
    return await client.post(
        "/oauth/authorize",
        content=urlencode(fields),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


MINE = "{ me { connectionId } mcpConnections { id expiresAt narrowing { excluded } } }"


async def codes(db: Database) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(AuthorizationCode)) or 0)


async def test_the_form_unchanged_connects_everything_for_the_default_90_days(
    client: httpx.AsyncClient, people: People
) -> None:
    # given the consent form as the page renders it (every box ticked, 90 days selected)
    client_id, verifier, form = await consent_form(client, people.bob.email)
    assert form.options("lifetime_days") == ["30", "90"]
    # when the person presses Allow
    decision = await submit(client, form.submission(("decision", "approve")))
    assert decision.status_code == 303, decision.text
    code = query_of(decision.headers["location"])["code"]
    token = (await exchange(client, client_id, code, verifier)).json()["access_token"]
    # then the connection is not narrowed and lives 90 days
    me = await client.post(
        "/graphql",
        json={"query": MINE},
        headers={"Authorization": f"Bearer {token}"},
    )
    data = me.json()["data"]
    (mine,) = [c for c in data["mcpConnections"] if c["id"] == data["me"]["connectionId"]]
    assert mine["narrowing"] is None
    expires = datetime.fromisoformat(mine["expiresAt"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=90))) < timedelta(minutes=10)


async def test_an_expiry_beyond_the_ceiling_is_refused_and_issues_no_code(
    client: httpx.AsyncClient, people: People, fresh_db: Database
) -> None:
    _, _, form = await consent_form(client, people.bob.email)
    before = await codes(fresh_db)
    forged = [
        (k, "365" if k == "lifetime_days" else v)
        for k, v in form.submission(("decision", "approve"))
    ]
    refused = await submit(client, forged)
    assert refused.status_code == 400
    assert "pick an expiry of 30, 90 days" in refused.text
    assert "location" not in refused.headers
    assert await codes(fresh_db) == before


async def test_an_unknown_type_or_nothing_left_to_read_is_a_clear_400(
    client: httpx.AsyncClient, people: People, fresh_db: Database
) -> None:
    _, _, form = await consent_form(client, people.bob.email)
    before = await codes(fresh_db)
    unknown = [*form.submission(("decision", "approve")), ("types", "secrets")]
    for value in ("account", "person", "opportunity", "activity", "ticket", "task", "project"):
        form.untick("types", value)
    form.untick("types", "contract")
    form.untick("types", "custom_object")
    form.untick("transcripts", "on")
    form.untick("kb", "on")
    nothing = form.submission(("decision", "approve"))
    unknown_refused, nothing_refused = await submit(client, unknown), await submit(client, nothing)
    assert unknown_refused.status_code == 400
    assert "unknown record type" in unknown_refused.text
    assert nothing_refused.status_code == 400
    assert "choose at least one" in nothing_refused.text
    assert await codes(fresh_db) == before
