"""``/graphql`` with a bearer token: the connection's rate limit, the query budget, and its
refusals passing through the whole middleware stack (request ID, metrics)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI

from accountlens.app import create_app
from accountlens.db.engine import Database
from tests.auth.helpers import (
    People,
    client_for,
    connect,
    mid_minute_connection_limits,
    settings_for,
)


def app_with(db: Database, **settings: Any) -> FastAPI:
    app = create_app(settings_for("http://127.0.0.1:8000").model_copy(update=settings), database=db)
    app.state.db = db
    return app


async def post(http: httpx.AsyncClient, token: str, query: str) -> httpx.Response:
    return await http.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )


def searches(count: int) -> str:
    return (
        "{ "
        + " ".join(f's{n}: search(query: "acme") {{ totalCount }}' for n in range(count))
        + " }"
    )


async def test_a_bearer_token_over_its_connections_rate_limit_gets_429_at_graphql(
    fresh_db: Database, people: People
) -> None:
    # given a deployment allowing 3 requests a minute per connection, counted mid-minute
    app = app_with(fresh_db, mcp_rate_limit_per_minute=3)
    mid_minute_connection_limits(app)
    async with client_for(app) as http:
        _, token = await connect(http, people.bob.email)
        http.cookies.clear()
        # when the token asks six times
        answers = [await post(http, token, "{ me { role } }") for _ in range(6)]
    # then three are answered and the rest refused with Retry-After
    assert [a.status_code for a in answers] == [200] * 3 + [429] * 3
    assert 1 <= int(answers[-1].headers["retry-after"]) <= 60
    assert answers[-1].json()["error"] == "rate_limited"


async def test_thirty_aliased_searches_in_one_request_are_refused_with_a_clear_error(
    fresh_db: Database, people: People
) -> None:
    async with client_for(app_with(fresh_db)) as http:
        _, token = await connect(http, people.alice.email)
        http.cookies.clear()
        # when one request holds 30 aliased searches, and another the 3 allowed
        refused = (await post(http, token, searches(30))).json()
        answered = (await post(http, token, searches(3))).json()
    # then the first runs nothing and says why; the second is answered
    assert refused["data"] is None
    (error,) = refused["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert error["extensions"]["searches"] == 30
    assert "limit is 3" in error["message"]
    assert "errors" not in answered
    assert isinstance(answered["data"]["s2"]["totalCount"], int)


async def test_too_many_reads_in_one_request_are_refused_and_the_budget_is_a_setting(
    fresh_db: Database, people: People
) -> None:
    reads = (
        "{ " + " ".join(f"a{n}: accounts(first: 100) {{ totalCount }}" for n in range(12)) + " }"
    )
    async with client_for(app_with(fresh_db, graphql_max_root_fields=20)) as loose:
        _, token = await connect(loose, people.alice.email)
        loose.cookies.clear()
        allowed = (await post(loose, token, reads)).json()
    async with client_for(app_with(fresh_db)) as default:
        refused = (await post(default, token, reads)).json()
    assert "errors" not in allowed
    assert refused["errors"][0]["extensions"] == {
        "code": "QUERY_TOO_COSTLY",
        "root_fields": 12,
        "limit": 10,
    }


def requests_counted(metrics: str, route: str, status: int) -> float:
    pattern = (
        r"^accountlens_http_requests_total\{"
        rf'method="POST",route="{re.escape(route)}",status="{status}"\}} (\S+)$'
    )
    match = re.search(pattern, metrics, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def test_a_401_at_graphql_carries_a_request_id_and_is_counted_in_the_metrics(
    fresh_db: Database, people: People
) -> None:
    async with client_for(app_with(fresh_db)) as http:
        before = requests_counted((await http.get("/metrics")).text, "/graphql", 401)
        refused = await post(http, "alk_forged", "{ me { role } }")
        after = requests_counted((await http.get("/metrics")).text, "/graphql", 401)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Bearer resource_metadata=")
    assert re.fullmatch(r"[0-9a-f]{32}", refused.headers["x-request-id"])
    assert after == before + 1
