"""Browsers get HTML error pages with the signed-in header; API clients keep their JSON."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from accountlens.db.engine import Database
from tests.auth.helpers import People, build_app, sign_in

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
SIGNED_IN_HEADER = '<form class="signout" method="post" action="/sign-out">'


def assert_html_page(response: httpx.Response, status: int) -> None:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.lstrip().startswith("<!doctype html>")


async def test_an_unknown_page_is_an_html_404_with_the_signed_in_header(
    client: httpx.AsyncClient, people: People
) -> None:
    await sign_in(client, people.alice.email)
    page = await client.get("/nope", headers=BROWSER)
    assert_html_page(page, 404)
    assert "Page not found" in page.text
    assert SIGNED_IN_HEADER in page.text
    assert "Alice · Acme Corp" in page.text


async def test_a_signed_out_browser_gets_the_404_page_without_the_header(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/records/nope/deeper", headers=BROWSER)
    assert_html_page(page, 404)
    assert SIGNED_IN_HEADER not in page.text


@pytest.mark.parametrize("path", ["/admin", "/admin/settings"])
async def test_the_admin_area_leads_a_browser_to_the_connections_page(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path, headers=BROWSER)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/settings/connections"


async def test_a_wrong_method_is_an_html_page_for_a_browser(client: httpx.AsyncClient) -> None:
    page = await client.get("/sign-out", headers=BROWSER)
    assert_html_page(page, 405)
    assert page.headers["allow"] == "POST"


async def test_an_expired_form_shows_the_403_page_with_the_signed_in_header(
    client: httpx.AsyncClient, people: People
) -> None:
    await sign_in(client, people.alice.email)
    page = await client.post(
        "/admin/settings/connections/con_x/revoke", data={"csrf_token": "stale"}, headers=BROWSER
    )
    assert_html_page(page, 403)
    assert SIGNED_IN_HEADER in page.text


async def test_a_fault_in_a_page_is_an_html_500_without_a_traceback(
    fresh_db: Database, people: People
) -> None:
    app = build_app(fresh_db, "http://127.0.0.1:8000")

    @app.get("/explodes")
    async def explodes() -> None:
        raise RuntimeError("secret internals")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        await sign_in(http, people.bob.email)
        page = await http.get("/explodes", headers=BROWSER)
        api = await http.get("/explodes", headers={"Accept": "application/json"})
    assert_html_page(page, 500)
    assert SIGNED_IN_HEADER in page.text
    assert "secret internals" not in page.text
    assert "Traceback" not in page.text
    assert api.status_code == 500
    assert "secret internals" not in api.text


async def test_api_clients_and_machine_endpoints_keep_their_json_errors(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    # an API client asking for an unknown path gets the JSON it always got
    unknown = await client.get("/nope", headers={"Accept": "application/json"})
    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "Not Found"}
    # and /graphql, /oauth/* answer JSON even to a browser's Accept header
    graphql = await client.post("/graphql", json={"query": "{ me { role } }"}, headers=BROWSER)
    assert graphql.status_code == 401
    assert graphql.json() == {"detail": "authentication required"}
    token = await client.get("/oauth/token", headers=BROWSER)
    assert token.status_code == 405
    assert token.headers["content-type"].startswith("application/json")
    metadata = await client.get("/.well-known/nope", headers=BROWSER)
    assert metadata.status_code == 404
    assert metadata.json() == {"detail": "Not Found"}
