"""``/metrics`` moves with real MCP traffic: requests, latency, tool calls, errors, pool."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

from accountlens.telemetry.metrics import watch_pool
from tests.mcp.conftest import Live
from tests.mcp.live import post_mcp, tool_call

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(base_url: str) -> Samples:
    async with httpx.AsyncClient(base_url=base_url) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_tool_calls_show_up_in_metrics_by_tool_and_outcome_with_latency_and_pool(
    live: Live,
) -> None:
    # given a connected user and the numbers before; the pool gauge reports the pool of the
    # app started last in the process (one per worker in production), and this test session
    # starts many apps after the live one
    persona = await live.persona("open-org member")
    watch_pool(live.db.engine)
    before = await scrape(live.base_url)

    # when they make a good call, a call with a bad argument, a call to no such tool,
    # and someone calls without a token
    token = persona.token
    listing = tool_call("list_objects", {"object_type": "account", "limit": 2})
    good = await post_mcp(live.base_url, token, listing)
    bad = await post_mcp(live.base_url, token, tool_call("list_objects", {"object_type": "acount"}))
    unknown = await post_mcp(live.base_url, token, tool_call("list_everything", {}))
    anonymous = await post_mcp(live.base_url, None, tool_call("whoami", {}))
    after = await scrape(live.base_url)

    # then each shows up under its tool and outcome, with its latency
    assert good.json()["result"].get("isError") is not True
    assert bad.json()["result"]["isError"] is True
    assert "error" in unknown.json()
    assert anonymous.status_code == 401

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    calls = "accountlens_mcp_tool_calls_total"
    assert delta(calls, tool="list_objects", outcome="ok") == 1
    assert delta(calls, tool="list_objects", outcome="error") == 1
    assert delta(calls, tool="unknown", outcome="rejected") == 1
    assert not any("list_everything" in dict(labels).values() for _, labels in after)
    assert delta("accountlens_mcp_tool_call_duration_seconds_count", tool="list_objects") == 2
    assert delta("accountlens_mcp_tool_call_duration_seconds_sum", tool="list_objects") > 0

    # and the HTTP layer counts the requests, the refusal, and their latency
    requests = "accountlens_http_requests_total"
    assert delta(requests, route="/mcp", method="POST", status="200") >= 3
    assert delta(requests, route="/mcp", method="POST", status="401") == 1
    assert delta("accountlens_http_request_duration_seconds_count", route="/mcp") >= 4

    # and the database pool reports the connections the calls used
    pool = "accountlens_db_pool_connections"
    assert value(after, pool, state="idle") + value(after, pool, state="in_use") >= 1
