"""``/mcp`` answers a tool call inline exactly as the SDK's stateless transport answers it.

Each request goes to the live server twice: as served (tool calls and listings inline, see
``accountlens.mcp_adapter.inline_post``) and with the inline path switched off, so the same app,
middleware and SDK answer it. Status, headers (all but the per-response date) and body must be
the same bytes, and the request must have taken the path the case says.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from mcp_types import CLIENT_CAPABILITIES_META_KEY, PROTOCOL_VERSION_META_KEY

from accountlens.mcp_adapter.inline_post import InlinePost
from tests.mcp.conftest import Live
from tests.mcp.live import tool_call

#: An answer's clock reading (``as_of``, to the second), bare and inside the text content; the
#: only bytes of a body that two identical calls may differ in.
AS_OF = re.compile(rb'(\\?"as_of\\?":\\?")[0-9TZ:-]+')

#: Headers that differ between any two responses: the time and the request id the app assigns.
PER_RESPONSE = frozenset({"date", "x-request-id"})


@dataclass(frozen=True)
class Case:
    body: bytes | dict[str, Any] | list[Any]
    inline: bool
    version: str | None = "2025-11-25"
    headers: tuple[tuple[str, str], ...] = ()
    status: int = 200


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def envelope(method: str, params: dict[str, Any], request_id: int = 7) -> dict[str, Any]:
    """A 2026-07-28 request: the version and capabilities ride in ``_meta``."""
    meta = {PROTOCOL_VERSION_META_KEY: "2026-07-28", CLIENT_CAPABILITIES_META_KEY: {}}
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": method,
        "params": params | {"_meta": meta},
    }


LIST = {"jsonrpc": "2.0", "id": 3, "method": "tools/list"}


def cases(ids: dict[str, str], origin: str) -> dict[str, Case]:
    calls: dict[str, tuple[str, dict[str, Any]]] = {
        "whoami": ("whoami", {}),
        "list accounts": ("list_objects", {"object_type": "account", "limit": 3}),
        "list with filter and sort": (
            "list_objects",
            {
                "object_type": "opportunity",
                "filters": [{"field": "amount", "op": "gt", "value": 50000}],
                "sort": [{"field": "amount", "direction": "desc"}],
                "limit": 5,
            },
        ),
        "search objects": ("search_objects", {"query": "Acme"}),
        "get objects": ("get_objects", {"ids": [ids["account"], ids["person"]]}),
        "search properties": ("search_properties", {"object_type": "account"}),
        "custom object types": ("list_custom_object_types", {}),
        "custom object instances": ("get_custom_object_instances", {"type": "nope"}),
        "group membership": ("get_group_membership", {"id": ids["account"]}),
        "task comments": ("get_task_comments", {"task_id": ids["task"]}),
        "product usage": ("get_product_usage", {"id": ids["account"]}),
        "semantic search": ("semantic_search", {"query": "renewal risk", "limit": 3}),
        "timeline": ("account_timeline", {"account": ids["account"], "since": "-30d"}),
        "wrong argument type": ("list_objects", {"object_type": "account", "limit": "five"}),
        "unknown argument": ("list_objects", {"object_type": "account", "limmit": 5}),
        "missing argument": ("get_objects", {}),
        "unknown object type": ("list_objects", {"object_type": "spaceship"}),
        "unknown tool": ("list_object", {}),
        "id not found": ("get_objects", {"ids": ["acc_doesnotexist"]}),
    }
    found = {
        label: Case(tool_call(tool, args), inline=True) for label, (tool, args) in calls.items()
    }
    call = tool_call("whoami", {})
    return found | {
        "tools/list": Case(LIST, inline=True),
        "tools/list at 2025-06-18": Case(LIST, inline=True, version="2025-06-18"),
        "tools/list without a version header": Case(LIST, inline=True, version=None),
        "tools/list with params and a progress token": Case(
            LIST | {"params": {"_meta": {"progressToken": "p1"}}}, inline=True
        ),
        "string id": Case(call | {"id": "abc-1"}, inline=True),
        "id zero": Case(call | {"id": 0}, inline=True),
        "arguments not an object": Case(
            {
                "jsonrpc": "2.0",
                "id": 4,
                "method": "tools/call",
                "params": {"name": "whoami", "arguments": [1]},
            },
            inline=True,
        ),
        "params not an object": Case(
            {"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": [1]},
            inline=False,
            status=400,
        ),
        "tools/call without params": Case(
            {"jsonrpc": "2.0", "id": 4, "method": "tools/call"}, inline=True
        ),
        "the 2026 envelope on a 2025 POST": Case(envelope("tools/list", {}), inline=True),
        "accept */*": Case(call, inline=True, headers=(("accept", "*/*"),)),
        "accept application/json only": Case(
            call, inline=True, headers=(("accept", "application/json"),)
        ),
        "content type with charset": Case(
            call, inline=True, headers=(("content-type", "application/json; charset=utf-8"),)
        ),
        "allowed origin": Case(call, inline=True, headers=(("origin", origin),)),
        # Everything below is the SDK's to answer.
        "accept event stream only": Case(
            call, inline=False, headers=(("accept", "text/event-stream"),), status=406
        ),
        "no accept": Case(call, inline=False, headers=(("accept", ""),), status=406),
        "wrong origin": Case(
            call, inline=False, headers=(("origin", "https://evil.example"),), status=403
        ),
        "wrong host": Case(call, inline=False, headers=(("host", "evil.example"),), status=421),
        "content type text/plain": Case(
            call, inline=False, headers=(("content-type", "text/plain"),), status=400
        ),
        "content type in capitals": Case(
            call, inline=False, headers=(("content-type", "Application/JSON"),), status=415
        ),
        "2026-07-28 tools/call": Case(
            envelope("tools/call", {"name": "whoami", "arguments": {}}),
            inline=False,
            version="2026-07-28",
            headers=(("mcp-method", "tools/call"), ("mcp-name", "whoami")),
        ),
        "2026-07-28 tools/list": Case(
            envelope("tools/list", {}),
            inline=False,
            version="2026-07-28",
            headers=(("mcp-method", "tools/list"),),
        ),
        "unknown protocol version": Case(call, inline=False, version="2099-01-01", status=400),
        "initialize": Case(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {},
                    "clientInfo": {"name": "raw-test", "version": "1"},
                },
            },
            inline=False,
        ),
        "ping": Case({"jsonrpc": "2.0", "id": 5, "method": "ping"}, inline=False),
        "notification": Case(
            {"jsonrpc": "2.0", "method": "notifications/initialized"}, inline=False, status=202
        ),
        "batch": Case([call, call], inline=False, status=400),
        "not json": Case(b"{not json", inline=False, status=400),
        "not utf-8": Case(b"\xff\xfe", inline=False, status=400),
        "no method": Case(b'{"jsonrpc": "2.0", "id": 1}', inline=False, status=400),
        "wrong jsonrpc version": Case(call | {"jsonrpc": "1.0"}, inline=False, status=400),
        "body over the app's limit": Case(
            b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"x": "'
            + b"a" * (4 * 1024 * 1024)
            + b'"}}',
            inline=False,
            status=413,
        ),
    }


@contextmanager
def inline_path(enabled: bool) -> Iterator[list[str]]:
    """Count the requests answered inline; with ``enabled`` False, hand them all to the SDK."""
    answered: list[str] = []
    original = InlinePost._answer

    async def counting(self: InlinePost, message: Any, *args: Any) -> None:
        answered.append(message.method)
        await original(self, message, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(InlinePost, "_answer", counting)
        if not enabled:
            # The one decision the path makes: with no request "inline", the SDK gets them all.
            patch.setattr(InlinePost, "_inline_request", lambda self, body: None)
        yield answered


async def send(http: httpx.AsyncClient, token: str, case: Case) -> Answer:
    headers = {
        "accept": "application/json, text/event-stream",
        "content-type": "application/json",
        "authorization": f"Bearer {token}",
    }
    if case.version is not None:
        headers["mcp-protocol-version"] = case.version
    headers |= dict(case.headers)
    content = case.body if isinstance(case.body, bytes) else json.dumps(case.body).encode()
    response = await http.post("/mcp", content=content, headers=headers)
    kept = [(k, v) for k, v in response.headers.multi_items() if k not in PER_RESPONSE]
    return Answer(response.status_code, kept, AS_OF.sub(rb"\1<as_of>", response.content))


@pytest_asyncio.fixture
async def http(live: Live) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live.base_url, timeout=60) as client:
        yield client


async def record_ids(http: httpx.AsyncClient, token: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    for key, object_type in (("account", "account"), ("person", "person"), ("task", "task")):
        case = Case(
            tool_call("list_objects", {"object_type": object_type, "limit": 1}), inline=True
        )
        answer = await send(http, token, case)
        ids[key] = json.loads(answer.body)["result"]["structuredContent"]["records"][0]["id"]
    return ids


@pytest.mark.parametrize("persona", ["restricted admin", "narrow member", "open-org member"])
async def test_every_request_gets_the_sdks_status_headers_and_bytes(
    live: Live, http: httpx.AsyncClient, persona: str
) -> None:
    # given
    user = await live.persona(persona)
    ids = await record_ids(http, user.token)
    # when / then
    for label, case in cases(ids, live.base_url).items():
        with inline_path(True) as answered:
            served = await send(http, user.token, case)
        assert len(answered) == case.inline, label
        with inline_path(False) as answered:
            by_sdk = await send(http, user.token, case)
        assert answered == [], label
        assert served == by_sdk, label
        assert served.status == case.status, label
