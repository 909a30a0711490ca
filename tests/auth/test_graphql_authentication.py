"""``/graphql`` accepts the same bearer tokens as ``/mcp`` and the web session."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from accountlens.db.engine import Database
from tests.auth.helpers import People, build_app, client_for, connect, sign_in


def app_with_probe(db: Database) -> FastAPI:
    """The app with a stand-in ``/graphql`` that reports the principal it was given."""
    app = build_app(db, "http://127.0.0.1:8000")

    @app.post("/graphql/probe")
    async def probe(request: Request) -> JSONResponse:
        principal = getattr(request.state, "principal", None)
        return JSONResponse({"user": str(principal.user_id) if principal else None})

    return app


async def test_a_bearer_token_authenticates_graphql(fresh_db: Database, people: People) -> None:
    async with client_for(app_with_probe(fresh_db)) as http:
        _, token = await connect(http, people.bob.email)
        http.cookies.clear()
        response = await http.post(
            "/graphql/probe", json={}, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.json() == {"user": str(people.bob.user_id)}


async def test_a_bad_token_is_refused_even_with_a_valid_session(
    fresh_db: Database, people: People
) -> None:
    async with client_for(app_with_probe(fresh_db)) as http:
        await sign_in(http, people.bob.email)
        response = await http.post(
            "/graphql/probe", json={}, headers={"Authorization": "Bearer alk_forged"}
        )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_the_web_session_authenticates_json_posts_only(
    fresh_db: Database, people: People
) -> None:
    async with client_for(app_with_probe(fresh_db)) as http:
        await sign_in(http, people.bob.email)
        as_json = await http.post("/graphql/probe", json={})
        as_form = await http.post("/graphql/probe", data={"query": "{ me { role } }"})
    assert as_json.json() == {"user": str(people.bob.user_id)}
    assert as_form.status_code == 401


async def test_the_real_graphql_endpoint_answers_a_bearer_and_refuses_anonymous(
    fresh_db: Database, people: People
) -> None:
    async with client_for(build_app(fresh_db, "http://127.0.0.1:8000")) as http:
        _, token = await connect(http, people.alice.email)
        http.cookies.clear()
        query = {"query": "{ me { role } }"}
        anonymous = await http.post("/graphql", json=query)
        answered = await http.post(
            "/graphql", json=query, headers={"Authorization": f"Bearer {token}"}
        )
    assert anonymous.status_code == 401
    assert answered.json()["data"]["me"]["role"] == "admin"
