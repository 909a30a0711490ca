"""The protocol edges: versions, malformed requests, unknown tools, Host/Origin checks, tokens.

Raw JSON-RPC over HTTP, because these are the requests a well-behaved SDK client never sends.
Nothing here may answer 500.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from accountlens.app import create_app
from accountlens.db.engine import Database, create_engine
from tests.auth.helpers import settings_for
from tests.auth.live import free_port
from tests.mcp.conftest import Live
from tests.mcp.live import post_mcp, serve_with_lifespan, tool_call

INITIALIZE: dict[str, Any] = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "capabilities": {},
        "clientInfo": {"name": "raw-test", "version": "1"},
    },
}


@pytest.mark.parametrize("version", ["2025-06-18", "2025-11-25"])
async def test_handshake_era_clients_get_the_version_they_asked_for(
    live: Live, version: str
) -> None:
    persona = await live.persona("restricted admin")
    body = INITIALIZE | {"params": INITIALIZE["params"] | {"protocolVersion": version}}
    response = await post_mcp(live.base_url, persona.token, body, version=version)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    result = response.json()["result"]
    assert result["protocolVersion"] == version
    assert "AccountLens" in result["instructions"]


async def test_a_tool_call_under_2025_06_18_answers_with_structured_content(live: Live) -> None:
    persona = await live.persona("restricted admin")
    response = await post_mcp(
        live.base_url, persona.token, tool_call("whoami", {}), version="2025-06-18"
    )
    result = response.json()["result"]
    assert result["structuredContent"]["user"]["email"] == "ada@northwind.example"
    assert json.loads(result["content"][0]["text"]) == result["structuredContent"]


async def test_an_unknown_tool_is_a_json_rpc_error_naming_the_tools(live: Live) -> None:
    persona = await live.persona("restricted admin")
    response = await post_mcp(live.base_url, persona.token, tool_call("list_object", {}))
    error = response.json()["error"]
    assert error["code"] == -32602
    assert error["data"]["did_you_mean"][0] == "list_objects"
    assert "account_timeline" in error["data"]["tools"]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"jsonrpc": "2.0", "id": 1}', b"\xff\xfe", b"{}" * 10],
    ids=["garbage", "empty-batch", "no-method", "not-utf8", "two-objects"],
)
async def test_malformed_requests_get_json_rpc_errors_never_a_500(live: Live, body: bytes) -> None:
    persona = await live.persona("restricted admin")
    response = await post_mcp(live.base_url, persona.token, body)
    assert 400 <= response.status_code < 500
    assert "error" in response.json()


async def test_wrongly_typed_arguments_are_an_error_result_naming_the_argument(
    live: Live,
) -> None:
    persona = await live.persona("restricted admin")
    response = await post_mcp(
        live.base_url,
        persona.token,
        tool_call("list_objects", {"object_type": "account", "limit": "many"}),
    )
    result = response.json()["result"]
    assert result["isError"] is True
    assert "limit" in result["content"][0]["text"]


async def test_a_foreign_host_or_origin_is_refused(live: Live) -> None:
    persona = await live.persona("restricted admin")
    call = tool_call("whoami", {})
    host = await post_mcp(live.base_url, persona.token, call, headers={"host": "evil.example"})
    origin = await post_mcp(
        live.base_url, persona.token, call, headers={"origin": "https://evil.example"}
    )
    same = await post_mcp(live.base_url, persona.token, call, headers={"origin": live.base_url})
    assert host.status_code == 421
    assert origin.status_code == 403
    assert same.status_code == 200


async def test_requests_without_a_valid_token_get_the_bearer_challenge(live: Live) -> None:
    persona = await live.persona("restricted admin")
    missing = await post_mcp(live.base_url, None, tool_call("whoami", {}))
    garbage = await post_mcp(live.base_url, "alk_garbage", tool_call("whoami", {}))
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        in_query = await http.post(f"/mcp?access_token={persona.token}", json={})
    for response in (missing, garbage, in_query):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer resource_metadata=")


async def test_mcp_answers_503_while_the_database_is_unreachable(live: Live) -> None:
    # given a replica whose database does not answer (nothing listens on port 9)
    persona = await live.persona("restricted admin")
    engine = create_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none", pool_size=1)
    port = free_port()
    settings = settings_for(f"http://127.0.0.1:{port}")
    app = create_app(settings, database=Database(engine=engine, read_engine=engine))
    async with serve_with_lifespan(app, port):
        response = await post_mcp(
            f"http://127.0.0.1:{port}", persona.token, tool_call("whoami", {})
        )
    await engine.dispose()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
