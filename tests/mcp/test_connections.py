"""Acceptance 5: a revoked connection is refused on its next call; calls land in the audit log,
which admins read on the connection's page; the per-connection rate limit answers 429."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from accountlens.app import create_app
from tests.auth.helpers import mid_minute_connection_limits, settings_for, sign_in
from tests.auth.live import free_port
from tests.mcp.conftest import Live
from tests.mcp.live import PASSWORDS, Persona, call, post_mcp, serve_with_lifespan, tool_call
from tests.schema.demo import DEMO_USERS, demo_principal
from tests.schema.helpers import data_of

CALLS = """query Calls($id: ID!) { mcpToolCalls(connectionId: $id) {
             tool arguments outcome resultCount latencyMs errorCode } }"""


async def fresh_persona(live: Live, label: str, base_url: str | None = None) -> Persona:
    """A new connection of its own (tests that revoke or exhaust it must not share it)."""
    role = "admin" if "admin" in label else "member"
    return await Persona(base_url or live.base_url, DEMO_USERS[label], role).connect()


async def test_a_revoked_connection_is_refused_on_its_next_tool_call(live: Live) -> None:
    # given a working connection
    persona = await fresh_persona(live, "open-org member")
    async with persona.client() as client:
        me = await call(client, "whoami", {})
    connection = uuid.UUID(hex=me["connection"]["id"].removeprefix("con_"))
    before = await post_mcp(live.base_url, persona.token, tool_call("whoami", {}))
    # when its owner revokes it
    owner = await demo_principal(live.db, DEMO_USERS["open-org member"])
    assert await live.app.state.auth_service.revoke_connection(owner, connection)
    # then the very next call is refused with the bearer challenge
    after = await post_mcp(live.base_url, persona.token, tool_call("whoami", {}))
    assert before.status_code == 200
    assert after.status_code == 401
    assert 'error="invalid_token"' in after.headers["www-authenticate"]
    assert "revoked" in after.json()["error_description"]


async def test_tool_calls_are_in_the_audit_log_that_admins_see_on_the_connection_page(
    live: Live,
) -> None:
    # given a member's connection that made a successful and a refused call
    persona = await fresh_persona(live, "team member")
    async with persona.client() as client:
        me = await call(client, "whoami", {})
        await call(
            client,
            "list_objects",
            {"object_type": "ticket", "limit": 3, "fields": ["status"]},
        )
        refused = await client.call_tool("list_objects", {"object_type": "acount"})
    assert refused.is_error
    connection_id = me["connection"]["id"]
    await live.app.state.mcp.audit.flush()  # rows are written in the background, within ms
    admin = await demo_principal(live.db, DEMO_USERS["restricted admin"])
    colleague = await demo_principal(live.db, DEMO_USERS["narrow member"])
    # when the admin (and, for contrast, another member) read the connection's audit log
    calls = (await data_of(live.db, admin, CALLS, id=connection_id))["mcpToolCalls"]
    hidden = (await data_of(live.db, colleague, CALLS, id=connection_id))["mcpToolCalls"]
    # then the calls are there, newest first, with arguments, result counts and outcomes
    assert [c["tool"] for c in calls] == ["list_objects", "list_objects", "whoami"]
    failed, listed, _ = calls
    assert failed["outcome"] == "error"
    assert listed["outcome"] == "ok"
    assert listed["resultCount"] == 3
    assert listed["arguments"] == {"object_type": "ticket", "limit": 3, "fields": ["status"]}
    assert listed["latencyMs"] > 0
    assert hidden == []
    # and the admin's page shows them
    async with httpx.AsyncClient(base_url=live.base_url) as browser:
        await sign_in(browser, DEMO_USERS["restricted admin"], PASSWORDS["admin"])
        page = await browser.get(f"/admin/settings/connections/{connection_id}")
        listing = await browser.get("/admin/settings/connections")
    assert page.status_code == 200
    assert "list_objects" in page.text
    assert "ticket" in page.text
    assert f"/admin/settings/connections/{connection_id}" in listing.text


async def test_a_revoked_connection_is_refused_by_every_replica_that_served_it(
    live: Live,
) -> None:
    # given two replicas on one database, each of which has served the connection
    ports = free_port(), free_port()
    public = f"http://127.0.0.1:{ports[0]}"
    apps = [create_app(settings_for(public), database=live.db) for _ in ports]
    replicas = [f"http://127.0.0.1:{port}" for port in ports]
    host = {"host": f"127.0.0.1:{ports[0]}"}
    async with serve_with_lifespan(apps[0], ports[0]), serve_with_lifespan(apps[1], ports[1]):
        persona = await fresh_persona(live, "team member", public)
        served = [
            await post_mcp(url, persona.token, tool_call("whoami", {}), headers=host)
            for url in replicas
        ]
        # when one replica revokes it
        me = served[0].json()["result"]["structuredContent"]
        connection = uuid.UUID(hex=me["connection"]["id"].removeprefix("con_"))
        owner = await demo_principal(live.db, DEMO_USERS["team member"])
        assert await apps[0].state.auth_service.revoke_connection(owner, connection)
        # then the other refuses the very next call
        after = await post_mcp(replicas[1], persona.token, tool_call("whoami", {}), headers=host)
    assert [s.status_code for s in served] == [200, 200]
    assert after.status_code == 401
    assert "revoked" in after.json()["error_description"]


async def test_calls_answered_just_before_a_graceful_stop_are_all_in_the_audit_log(
    live: Live,
) -> None:
    # given a replica answering a burst of concurrent tool calls through one connection
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    replica = create_app(settings_for(base_url), database=live.db)
    async with serve_with_lifespan(replica, port):
        persona = await fresh_persona(live, "narrow member", base_url)
        calls = [tool_call("whoami", {}, n) for n in range(12)]
        answers = await asyncio.gather(*(post_mcp(base_url, persona.token, c) for c in calls))
        me = answers[0].json()["result"]["structuredContent"]
    # when it has stopped (right after answering: its audit rows may still have been queued)
    admin = await demo_principal(live.db, DEMO_USERS["restricted admin"])
    logged = (await data_of(live.db, admin, CALLS, id=me["connection"]["id"]))["mcpToolCalls"]
    # then every answered call is in the audit log
    assert [a.status_code for a in answers] == [200] * 12
    assert [c["tool"] for c in logged].count("whoami") == 12


async def test_a_connection_over_its_rate_limit_gets_429_on_every_replica(live: Live) -> None:
    # given two replicas behind one public URL, on one database, each allowing 6 requests a
    # minute per connection (connecting itself takes a few of them), counted mid-minute
    ports = free_port(), free_port()
    public = f"http://127.0.0.1:{ports[0]}"
    settings = settings_for(public).model_copy(update={"mcp_rate_limit_per_minute": 6})
    apps = [create_app(settings, database=live.db) for _ in ports]
    mid_minute_connection_limits(*apps)
    async with serve_with_lifespan(apps[0], ports[0]), serve_with_lifespan(apps[1], ports[1]):
        persona = await fresh_persona(live, "narrow member", public)
        # when the connection's calls are spread over both replicas (the balancer keeps Host)
        answers = [
            await post_mcp(
                f"http://127.0.0.1:{ports[n % 2]}",
                persona.token,
                tool_call("whoami", {}),
                headers={"host": f"127.0.0.1:{ports[0]}"},
            )
            for n in range(8)
        ]
    # then the budget is shared: once spent, both replicas refuse, with Retry-After
    statuses = [a.status_code for a in answers]
    allowed = statuses.count(200)
    assert 1 <= allowed <= 5
    assert statuses == [200] * allowed + [429] * (8 - allowed)
    assert {n % 2 for n, status in enumerate(statuses) if status == 429} == {0, 1}
    refused = answers[-1]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["error"] == "rate_limited"
