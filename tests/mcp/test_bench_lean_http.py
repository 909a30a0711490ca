"""The load driver's lean HTTP client answers what httpx answers, and survives dropped keep-alives.

The benchmark times every system through :class:`bench.load.lean_http.LeanClient`; if it read
an answer wrong, every throughput and every ``same`` verdict of the peers step would be wrong.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from bench.load.lean_http import LeanClient, LeanHttpError
from bench.load.mcp_client import call_tool
from tests.mcp.conftest import Live

CALLS = (
    ("list_objects", {"object_type": "account", "limit": 3}),
    ("get_objects", {"ids": ["acc_doesnotexist"]}),
    ("list_objects", {"object_type": "no_such_type"}),  # a tool error, still HTTP 200
)


@pytest.mark.parametrize(("tool", "arguments"), CALLS)
async def test_a_tool_call_through_the_lean_client_reads_what_httpx_reads(
    live: Live, tool: str, arguments: dict[str, object]
) -> None:
    # given
    persona = await live.persona("restricted admin")
    # when
    async with LeanClient(live.base_url, max_connections=2) as lean:
        ours = await call_tool(lean, persona.token, tool, arguments)
    async with httpx.AsyncClient(base_url=live.base_url) as http:
        theirs = await call_tool(http, persona.token, tool, arguments)
    # then
    assert (ours.ok, ours.status) == (theirs.ok, theirs.status)
    assert (ours.error is None) == (theirs.error is None)
    assert without_as_of(ours.structured) == without_as_of(theirs.structured)


def without_as_of(answer: dict[str, Any] | None) -> dict[str, Any]:
    return {k: v for k, v in (answer or {}).items() if k != "as_of"}


async def test_a_refused_token_reads_as_the_servers_401(live: Live) -> None:
    async with LeanClient(live.base_url, max_connections=1) as lean:
        result = await call_tool(lean, "al_not_a_token", "whoami", {})
    assert (result.ok, result.status) == (False, 401)


@asynccontextmanager
async def closing_after_each_answer() -> AsyncIterator[tuple[str, list[int]]]:
    """A server that answers one request per connection and then closes it without saying so,
    as a keep-alive timeout does between two requests."""
    served: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))  # fmt: skip
        await reader.readexactly(length)
        served.append(length)
        body = b'{"jsonrpc":"2.0","id":1,"result":{"structuredContent":{"n":1},"content":[]}}'
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}", served


async def test_a_connection_the_server_closed_while_idle_is_replaced_without_an_error() -> None:
    async with closing_after_each_answer() as (url, served), LeanClient(url, 1) as lean:
        first = await call_tool(lean, "t", "whoami", {})
        await asyncio.sleep(0.05)  # the server has closed the kept-alive connection
        second = await call_tool(lean, "t", "whoami", {})
    assert (first.ok, second.ok) == (True, True)
    assert len(served) == 2
    assert second.structured == {"n": 1}


async def test_a_server_that_is_not_there_is_a_lean_http_error_not_a_hang() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    async with LeanClient(f"http://127.0.0.1:{port}", max_connections=1, timeout=5) as lean:
        with pytest.raises(LeanHttpError):
            await call_tool(lean, "t", "whoami", {})
