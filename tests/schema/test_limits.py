"""Hostile queries get clean GraphQL errors, in-process and over HTTP, never a 500."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from sqlalchemy import make_url

from accountlens.auth.principal import Principal
from accountlens.config import Settings
from accountlens.db.embedded import EmbeddedServer
from accountlens.db.engine import Database, create_engine
from accountlens.resolvers.reader import Reader
from accountlens.schema.http import graphql_router
from tests.factories import create_account, create_org, create_user
from tests.schema.helpers import execute

DEEP = (
    "{ accounts { nodes { " + "owner { teams { members { " * 16 + "name" + " } } }" * 16 + " } } }"
)
ALIASES = "{ " + " ".join(f"a{i}: me {{ role }}" for i in range(1000)) + " }"
HOSTILE = {
    "depth 50": DEEP,
    "1000 aliases": ALIASES,
    "first 100000": "{ accounts(first: 100000) { nodes { name } } }",
    "nested first": "{ accounts(first: 100) { nodes { people(first: 50) { account { "
    "people(first: 50) { name } } } } } }",
    "huge string": '{ search(query: "' + "x" * 200_000 + '") { totalCount } }',
    "huge filter value": '{ accounts(filter: [{field: "name", op: EQ, value: "'
    + "y" * 5000
    + '"}]) { totalCount } }',
    "unknown field": "{ accounts { nodes { bogus } } }",
    "unknown argument": "{ accounts(limit: 5) { totalCount } }",
    "syntax error": "{ accounts { nodes { name }",
    "too many ids": "{ nodes(ids: [" + ", ".join(f'"acc_{i}"' for i in range(101)) + "]) { id } }",
    "bad cursor": '{ accounts(after: "not-a-cursor") { totalCount } }',
    "variable page": "query($n: Int) { accounts(first: $n) { totalCount } }",
}


async def world(db: Database) -> Principal:
    org = await create_org(db)
    admin = await create_user(db, org, role="admin")
    await create_account(db, org, "Acme Corp")
    return admin


@pytest.mark.parametrize("name", list(HOSTILE))
async def test_hostile_queries_fail_with_a_clean_error_and_no_data(
    fresh_db: Database, name: str
) -> None:
    admin = await world(fresh_db)
    data, errors = await execute(fresh_db, admin, HOSTILE[name], n=100_000)
    assert errors, name
    assert not data or all(v is None for v in data.values()), name
    for error in errors:
        assert error["message"] != "Unexpected error.", (name, error)
        assert "Traceback" not in error["message"]


async def test_unknown_fields_suggest_the_close_match(fresh_db: Database) -> None:
    admin = await world(fresh_db)
    _, errors = await execute(fresh_db, admin, "{ accounts { nodes { nmae } } }")
    assert "Did you mean 'name'" in errors[0]["message"]


async def test_internal_failures_are_masked_without_details(
    fresh_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a fault of ours deep in a read, with internals in its message
    admin = await world(fresh_db)

    async def broken_read(*args: object, **kwargs: object) -> list[dict[str, object]]:
        raise RuntimeError("relation secret_table at /srv/app.py line 7")

    monkeypatch.setattr(Reader, "rows", broken_read)
    # when a query reaches it
    data, errors = await execute(fresh_db, admin, "{ accounts { totalCount } }")
    # then the caller learns only that it failed
    assert data is None
    assert errors[0]["message"] == "Unexpected error."
    assert "extensions" not in errors[0]


async def test_an_unreachable_database_is_reported_as_unavailable_not_masked(
    fresh_db: Database, pg_server: EmbeddedServer
) -> None:
    # given a database nobody answers on (stopped, restarting: no socket to connect to)
    admin = await world(fresh_db)
    gone = dataclasses.replace(pg_server, port=pg_server.port + 1)
    engine = create_engine(make_url(gone.url("accountlens")), pool_size=1)
    down = Database(engine=engine, read_engine=engine)
    try:
        # when a query needs it
        data, errors = await execute(down, admin, "{ accounts { totalCount } }")
    finally:
        await down.close(stop_embedded=False)
    # then the answer says to retry, with a code a client can act on, and nothing internal
    assert data is None
    assert errors[0]["extensions"]["code"] == "UNAVAILABLE"
    assert "retry" in errors[0]["message"]
    assert "/" not in errors[0]["message"]


def http_app(db: Database, principal: Principal | None) -> FastAPI:
    """The GraphQL router alone, with a stand-in for the auth middleware."""
    app = FastAPI()
    app.state.db = db
    app.include_router(graphql_router(Settings(environment="test")))

    @app.middleware("http")
    async def sign_in(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if principal is not None:
            request.state.principal = principal
        return await call_next(request)

    return app


async def post(
    db: Database, principal: Principal | None, query: str, **variables: Any
) -> httpx.Response:
    transport = httpx.ASGITransport(app=http_app(db, principal), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.post("/graphql", json={"query": query, "variables": variables})


async def test_graphql_over_http_answers_as_the_signed_in_principal(fresh_db: Database) -> None:
    admin = await world(fresh_db)
    response = await post(fresh_db, admin, "{ accounts { totalCount nodes { name } } }")
    assert response.status_code == 200
    assert response.json() == {
        "data": {"accounts": {"totalCount": 1, "nodes": [{"name": "Acme Corp"}]}}
    }


async def test_graphql_over_http_refuses_a_request_without_a_principal(fresh_db: Database) -> None:
    response = await post(fresh_db, None, "{ me { role } }")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("name", list(HOSTILE))
async def test_hostile_queries_over_http_are_never_a_500(fresh_db: Database, name: str) -> None:
    admin = await world(fresh_db)
    response = await post(fresh_db, admin, HOSTILE[name], n=100_000)
    assert response.status_code in (200, 400), (name, response.status_code)
    body = response.json()
    assert body["errors"], name
