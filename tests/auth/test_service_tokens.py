"""Issue 16 item 6: an admin makes a read-only service token for an internal app on the
connections page; it works on ``/graphql`` (as that admin), never on ``/mcp`` and never for a
mutation, is listed and revoked with the connections, and never reaches the logs."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import select

from accountlens.auth import tokens
from accountlens.db.engine import Database
from accountlens.db.models import AdminAction
from tests.auth.helpers import People, csrf_of, sign_in
from tests.web.forms import form_fields

PAGE = "/admin/settings/connections"
TOKEN = re.compile(r'<code class="url token" id="service-token">(alk_[0-9A-Za-z_]+)</code>')
ROW = re.compile(r'<tr id="connection-(con_[0-9a-f]+)">\s*<td><a [^>]+>([^<]+)</a>')


async def create_token(client: httpx.AsyncClient, name: str, days: str = "30") -> httpx.Response:
    """Fill in and submit the page's form as a browser without JavaScript would."""
    page = await client.get(PAGE)
    form = form_fields(page.text, PAGE + "/service-tokens")
    form.fill("name", name)
    form.pick("days", days)
    return await client.post(
        PAGE + "/service-tokens",
        content=urlencode(form.submission()),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


async def graphql(client: httpx.AsyncClient, token: str, query: str) -> httpx.Response:
    # A fresh client: the browser's cookie must not be what authenticates the app.
    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)) as app:
        return await app.post(
            "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
        )


def body(response: httpx.Response) -> dict[str, Any]:
    parsed: dict[str, Any] = response.json()
    return parsed


async def test_an_admin_creates_a_token_shown_once_that_reads_graphql_as_them(
    client: httpx.AsyncClient, people: People, fresh_db: Database
) -> None:
    # given an admin on the connections page
    await sign_in(client, people.alice.email)
    # when they create a token for an app
    created = await create_token(client, "Revenue dashboard")
    # then the page shows it once, with a Copy button, in the connection token format
    assert created.status_code == 200, created.text
    assert created.headers["cache-control"] == "no-store"
    (token,) = TOKEN.findall(created.text)
    assert tokens.parse(tokens.ACCESS_TOKEN_PREFIX, token) is not None
    assert 'data-copy="service-token"' in created.text
    # and it reads /graphql as the admin who made it
    me = await graphql(client, token, "{ me { role connectionId user { email } } }")
    assert me.status_code == 200, me.text
    assert body(me)["data"]["me"]["role"] == "admin"
    assert body(me)["data"]["me"]["user"]["email"] == people.alice.email
    # and it is listed beside the connections, and never shown again
    page = await client.get(PAGE)
    assert "Revenue dashboard" in page.text.split('id="service-tokens"')[1]
    assert token not in page.text
    listed = await graphql(client, token, "{ mcpConnections { clientName kind expiresAt } }")
    kinds = {c["clientName"]: c["kind"] for c in body(listed)["data"]["mcpConnections"]}
    assert kinds["Revenue dashboard"] == "service"
    # and the admin audit records who created which token (never the token)
    async with fresh_db.sessions() as session:
        (audited,) = (await session.scalars(select(AdminAction))).all()
    assert (audited.action, audited.actor_email) == ("service_token.created", people.alice.email)
    assert audited.details["name"] == "Revenue dashboard"
    assert token not in str(audited.details)
    assert audited.target.startswith("con_")


async def test_a_service_token_never_runs_a_mutation_and_is_refused_at_mcp(
    client: httpx.AsyncClient, people: People
) -> None:
    await sign_in(client, people.alice.email)
    (token,) = TOKEN.findall((await create_token(client, "Warehouse sync")).text)
    mutation = await graphql(client, token, 'mutation { createServiceToken(name: "x") { id } }')
    mcp = await client.get("/mcp/", headers={"Authorization": f"Bearer {token}"})
    assert body(mutation)["errors"][0]["extensions"]["code"] == "READ_ONLY_TOKEN"
    assert mcp.status_code == 401
    assert "for /graphql only" in mcp.headers["www-authenticate"]


async def test_revoking_a_service_token_takes_effect_on_the_next_request(
    client: httpx.AsyncClient, people: People
) -> None:
    await sign_in(client, people.alice.email)
    (token,) = TOKEN.findall((await create_token(client, "Churn notebook")).text)
    assert (await graphql(client, token, "{ me { role } }")).status_code == 200
    page = await client.get(PAGE)
    (row_id,) = [i for i, name in ROW.findall(page.text) if name == "Churn notebook"]
    revoked = await client.post(f"{PAGE}/{row_id}/revoke", data={"csrf_token": csrf_of(page.text)})
    assert revoked.status_code == 303
    refused = await graphql(client, token, "{ me { role } }")
    assert refused.status_code == 401
    assert "revoked" in refused.headers["www-authenticate"]


async def test_a_member_cannot_create_a_service_token(
    client: httpx.AsyncClient, people: People
) -> None:
    await sign_in(client, people.bob.email)
    page = await client.get(PAGE)
    assert PAGE + "/service-tokens" not in page.text  # no form for members
    posted = await client.post(
        PAGE + "/service-tokens",
        data={"csrf_token": csrf_of(page.text), "name": "Mine", "days": "30"},
    )
    through_api = await client.post(
        "/graphql", json={"query": 'mutation { createServiceToken(name: "Mine") { token } }'}
    )
    assert posted.status_code == 403
    assert "alk_" not in posted.text
    assert body(through_api)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body(through_api)["data"] is None


async def test_a_bad_name_is_a_clear_400_and_creates_nothing(
    client: httpx.AsyncClient, people: People
) -> None:
    await sign_in(client, people.alice.email)
    refused = await create_token(client, "   ")
    assert refused.status_code == 400
    assert "name the app" in refused.text
    page = await client.get(PAGE)
    assert "No service tokens." in page.text


async def test_the_token_never_reaches_the_logs(
    client: httpx.AsyncClient, people: People, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await sign_in(client, people.alice.email)
    (token,) = TOKEN.findall((await create_token(client, "Logged app")).text)
    await graphql(client, token, "{ me { role } }")
    await graphql(client, token, 'mutation { createServiceToken(name: "x") { id } }')
    await client.get("/mcp/", headers={"Authorization": f"Bearer {token}"})
    secret = token.split("_")[2]
    assert "service token" in caplog.text  # the creation is logged, by row id
    assert token not in caplog.text
    assert secret[:20] not in caplog.text
