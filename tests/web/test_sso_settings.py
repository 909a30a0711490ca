"""``singleSignOn`` / ``updateSingleSignOn``: an admin's SSO settings, from the browser only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI
from sqlalchemy import select

from accountlens.db.engine import Database
from accountlens.db.models import AdminAction, SsoConfig, User
from tests.auth.helpers import People, connect, sign_in
from tests.tools.oidc import CLIENT_SECRET, running_provider
from tests.web.test_sso import CALLBACK, browser_for, configure, round_trip, signed_in_as

READ = "{ singleSignOn { issuer clientId allowedDomains jitProvisioning defaultRole callbackUrl } }"
UPDATE = (
    "mutation($input: SingleSignOnInput!) { updateSingleSignOn(input: $input) "
    "{ jitProvisioning defaultRole localPasswordsDisabled } }"
)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def issuer() -> AsyncIterator[str]:
    async with running_provider(CALLBACK) as url:
        yield url


async def graphql(http: httpx.AsyncClient, query: str, **variables: Any) -> Any:
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    return response.json()


async def test_an_admin_turns_on_jit_as_admins_and_the_next_new_person_is_an_admin(
    app: FastAPI, fresh_db: Database, people: People, issuer: str
) -> None:
    # given the operator set up SSO without JIT
    await configure(app, fresh_db, issuer, jit=False)
    async with browser_for(app) as alice:
        await sign_in(alice, people.alice.email)
        # when the admin reads and changes the settings in her browser
        read = await graphql(alice, READ)
        changed = await graphql(
            alice, UPDATE, input={"jitProvisioning": True, "defaultRole": "admin"}
        )
    # then she sees them (never the secret) and the change holds
    assert read["data"]["singleSignOn"] == {
        "issuer": issuer,
        "clientId": "accountlens",
        "allowedDomains": ["acme.test"],
        "jitProvisioning": False,
        "defaultRole": "member",
        "callbackUrl": CALLBACK,
    }
    assert changed["data"]["updateSingleSignOn"] == {
        "jitProvisioning": True,
        "defaultRole": "admin",
        "localPasswordsDisabled": False,
    }
    async with browser_for(app) as pat:
        await pat.get(await round_trip(pat, "pat@acme.test"))
        assert await signed_in_as(pat) == "Pat · Acme Corp"
    async with fresh_db.sessions() as session:
        made = await session.scalar(select(User).where(User.email == "pat@acme.test"))
    assert made is not None
    assert made.role == "admin"
    # and the change is in the admin audit: which settings, never a value such as the secret
    async with fresh_db.sessions() as session:
        (audited,) = (await session.scalars(select(AdminAction))).all()
    assert (audited.action, audited.actor_email) == ("sso.updated", people.alice.email)
    assert audited.details == {"changed": ["default_role", "jit_provisioning"]}


async def test_a_token_or_a_member_can_neither_read_nor_change_the_sso_settings(
    app: FastAPI, fresh_db: Database, people: People, issuer: str
) -> None:
    await configure(app, fresh_db, issuer, jit=False)
    async with browser_for(app) as assistant, browser_for(app) as bob:
        _, token = await connect(assistant, people.alice.email)  # the admin's MCP connection
        assistant.cookies.clear()
        bearer = {"Authorization": f"Bearer {token}"}
        by_token_read = await assistant.post("/graphql", json={"query": READ}, headers=bearer)
        by_token_write = await assistant.post(
            "/graphql",
            json={"query": UPDATE, "variables": {"input": {"jitProvisioning": True}}},
            headers=bearer,
        )
        await sign_in(bob, people.bob.email)
        by_member = await graphql(bob, UPDATE, input={"jitProvisioning": True})
    assert by_token_read.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert by_token_write.json()["errors"][0]["extensions"]["code"] == "READ_ONLY_TOKEN"
    assert by_member["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with fresh_db.sessions() as session:
        config = await session.scalar(select(SsoConfig))
    assert config is not None
    assert config.jit_provisioning is False


async def test_an_unusable_issuer_or_a_new_client_id_without_its_secret_is_refused(
    app: FastAPI, fresh_db: Database, people: People, issuer: str
) -> None:
    await configure(app, fresh_db, issuer)
    async with browser_for(app) as alice:
        await sign_in(alice, people.alice.email)
        plain_http = await graphql(alice, UPDATE, input={"issuer": "http://idp.example"})
        no_secret = await graphql(alice, UPDATE, input={"clientId": "another"})
        with_secret = await graphql(
            alice, UPDATE, input={"clientId": "accountlens", "clientSecret": CLIENT_SECRET}
        )
    assert plain_http["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    assert "https URL" in plain_http["errors"][0]["message"]
    assert no_secret["errors"][0]["message"] == "A new client ID needs its client secret too."
    assert "errors" not in with_secret
