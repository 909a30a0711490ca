"""The HTTP surface under hostile requests: every answer is a clean refusal, never a fault.

Against the whole app under uvicorn, with a real OAuth token: malformed JSON-RPC, wrong
content types and Accept headers, oversized bodies, odd and duplicated headers, bad protocol
versions, garbage, truncated and wrong-checksum tokens, and (with Hypothesis) odd Unicode in
every string argument of every tool that ``tools/list`` announces.

Every answer must be a 4xx, a JSON-RPC error or a tool error (``isError``), never a 5xx and
never a stack trace or a source path; and the server answers normally afterwards.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import strategies as st

from accountlens.auth.principal import Principal
from accountlens.schema.ids import encode_id
from tests.security.conftest import FuzzServer
from tests.security.oracle import (
    Oracle,
    assert_no_internals,
    assert_tool_error_is_clean,
    has_surrogate,
)
from tests.security.strategies import EXAMPLES, ODD_CHARACTERS, fuzz, odd_text
from tests.security.tool_calls import (
    INTERNAL_ERROR,
    PARSE_ERROR,
    example_object,
    string_slots,
    with_slot,
)

NARROW = "katherine@northwind.example"  # a restricted-org member with a narrow book
#: The transport's own body limit for /mcp (the MCP SDK's default, 4 MiB).
MCP_BODY_LIMIT = 4 * 1024 * 1024


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def token(fuzz_server: FuzzServer, oracle: Oracle) -> str:
    return (await fuzz_server.persona(narrow(oracle))).token


def narrow(oracle: Oracle) -> Principal:
    return next(p for p in oracle.principals if p.email == NARROW)


def call(name: str, arguments: Any, request_id: Any = 1) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }


WHOAMI = json.dumps(call("whoami", {})).encode()


async def still_answers(server: FuzzServer, token: str) -> None:
    """After whatever came before, an ordinary call is answered normally."""
    response = await server.rpc(token, WHOAMI)
    assert response.status_code == 200, response.text
    assert response.json()["result"]["structuredContent"]["user"]["email"] == NARROW


def assert_clean(response: Any, where: object) -> None:
    """A 4xx, or a 2xx carrying a JSON-RPC error or result; no fault, no internals."""
    assert response.status_code < 500, (where, response.status_code, response.text[:500])
    assert_no_internals(response.text, where)
    if response.status_code < 300 and response.content:
        reply = response.json()
        replies = reply if isinstance(reply, list) else [reply]
        for one in replies:
            assert "result" in one or "error" in one, (where, one)
            assert one.get("error", {}).get("code") != INTERNAL_ERROR, (where, one)
            if one.get("result", {}).get("isError"):
                assert_tool_error_is_clean(one["result"], where)


#: Bodies a well-behaved client never sends, each POSTed to /mcp with a valid token.
MALFORMED = {
    "invalid JSON": b"{not json",
    "truncated JSON": b'{"jsonrpc": "2.0", "id": 1, "method": "tools/ca',
    "not UTF-8": b"\xff\xfe\x00{",
    "empty body": b"",
    "JSON null": b"null",
    "a bare number": b"42",
    "a bare string": b'"tools/call"',
    "JSON-RPC 1.0": json.dumps(call("whoami", {}) | {"jsonrpc": "1.0"}).encode(),
    "no jsonrpc member": json.dumps({"id": 1, "method": "tools/list"}).encode(),
    "jsonrpc as a number": json.dumps(call("whoami", {}) | {"jsonrpc": 2.0}).encode(),
    "no method": b'{"jsonrpc": "2.0", "id": 1}',
    "method null": b'{"jsonrpc": "2.0", "id": 1, "method": null}',
    "method a number": b'{"jsonrpc": "2.0", "id": 1, "method": 7}',
    "unknown method": b'{"jsonrpc": "2.0", "id": 1, "method": "tools/explode"}',
    "10k-character method": json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": "x" * 10_000}
    ).encode(),
    "batch of two calls": json.dumps([call("whoami", {}), call("whoami", {}, 2)]).encode(),
    "empty batch": b"[]",
    "batch of numbers": b"[1, 2, 3]",
    "huge integer id": json.dumps(call("whoami", {}, 10**100)).encode(),
    "float id": json.dumps(call("whoami", {}, 1e308)).encode(),
    "10k-character id": json.dumps(call("whoami", {}, "x" * 10_000)).encode(),
    "object id": json.dumps(call("whoami", {}, {"a": 1})).encode(),
    "boolean id": json.dumps(call("whoami", {}, True)).encode(),
    "duplicate keys": b'{"jsonrpc": "2.0", "id": 1, "id": 2, "method": "tools/list"}',
    "params a list": b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": [1]}',
    "params a string": b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": "x"}',
    "tool name a number": json.dumps(call("whoami", {}) | {"params": {"name": 5}}).encode(),
    "tool name null": json.dumps(call("whoami", {}) | {"params": {"name": None}}).encode(),
    "no tool name": json.dumps(call("whoami", {}) | {"params": {"arguments": {}}}).encode(),
    "arguments a list": json.dumps(call("whoami", [])).encode(),
    "arguments a string": json.dumps(call("list_objects", "account")).encode(),
    "argument of the wrong type": json.dumps(call("list_objects", {"object_type": 5})).encode(),
    "limit a string": json.dumps(
        call("list_objects", {"object_type": "account", "limit": "x"})
    ).encode(),
    "limit a huge integer": json.dumps(
        call("list_objects", {"object_type": "account", "limit": 10**40})
    ).encode(),
    "filters an object": json.dumps(
        call("list_objects", {"object_type": "account", "filters": {"field": "name"}})
    ).encode(),
    "NaN in a filter": b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name":'
    b' "list_objects", "arguments": {"object_type": "account", "filters": [{"field":'
    b' "employees", "op": "gt", "value": NaN}]}}}',
    "100,000-deep nesting": b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params":'
    b' {"name": "whoami", "arguments": {"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}}",
    "a lone surrogate escaped": b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params":'
    b' {"name": "search_objects", "arguments": {"query": "a\\ud800b"}}}',
    "a lone surrogate encoded": b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params":'
    b' {"name": "search_objects", "arguments": {"query": "a\xed\xa0\x80b"}}}',
    "a notification": b'{"jsonrpc": "2.0", "method": "notifications/initialized"}',
    "initialize with an unknown version": json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "1999-01-01",
                "capabilities": "none",
                "clientInfo": {"name": "\x00", "version": 5},
            },
        }
    ).encode(),
}


@pytest.mark.parametrize("body", list(MALFORMED.values()), ids=list(MALFORMED))
async def test_malformed_json_rpc_is_refused_cleanly(
    fuzz_server: FuzzServer, token: str, body: bytes
) -> None:
    # when a malformed message arrives with a valid token
    response = await fuzz_server.rpc(token, body)
    # then it is refused (4xx or a JSON-RPC error), or answered, never with a fault
    assert_clean(response, body[:80])
    await still_answers(fuzz_server, token)


#: (content-type, accept) pairs a client should not send, and a method that does not exist.
HEADERS = {
    "text/plain": {"content-type": "text/plain"},
    "form-encoded": {"content-type": "application/x-www-form-urlencoded"},
    "multipart": {"content-type": "multipart/form-data; boundary=x"},
    "no content type": {"content-type": ""},
    "JSON in latin-1": {"content-type": "application/json; charset=latin-1"},
    "accept html": {"accept": "text/html"},
    "accept nothing": {"accept": ""},
    "accept JSON only": {"accept": "application/json"},
    "accept event streams only": {"accept": "text/event-stream"},
    "accept anything": {"accept": "*/*"},
    "protocol version from 1999": {"mcp-protocol-version": "1999-01-01"},
    "protocol version empty": {"mcp-protocol-version": ""},
    "protocol version garbage": {"mcp-protocol-version": "garbage; drop table"},
    "protocol version list": {"mcp-protocol-version": "2025-11-25, 2025-06-18"},
    "protocol version 1k characters": {"mcp-protocol-version": "2" * 1000},
    "request id 1k characters": {"x-request-id": "r" * 1000},
    "request id with a newline escape": {"x-request-id": "abc%0d%0aSet-Cookie: x=1"},
    "origin null": {"origin": "null"},
}


@pytest.mark.parametrize("headers", list(HEADERS.values()), ids=list(HEADERS))
async def test_wrong_content_types_accept_headers_and_versions_are_refused_cleanly(
    fuzz_server: FuzzServer, token: str, headers: dict[str, str]
) -> None:
    # when a tool call arrives with headers a client should not send
    response = await fuzz_server.rpc(token, WHOAMI, headers=headers)
    # then it is answered or refused with a 4xx, never with a fault
    assert_clean(response, headers)
    await still_answers(fuzz_server, token)


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"])
async def test_other_http_methods_on_mcp_are_refused_cleanly(
    fuzz_server: FuzzServer, token: str, method: str
) -> None:
    headers = {"authorization": f"Bearer {token}", "accept": "application/json, text/event-stream"}
    # when anything but POST reaches /mcp (stateless: no stream to GET, no session to DELETE)
    response = await fuzz_server.http.request(method, "/mcp", headers=headers)
    # then it is 405 at once, naming the one method that works (a GET used to open an event
    # stream that never sent nor closed, holding a connection per request)
    assert response.status_code == 405, (method, response.status_code)
    assert response.headers["allow"] == "POST"
    await still_answers(fuzz_server, token)


async def test_a_body_over_the_limit_is_refused_with_413(
    fuzz_server: FuzzServer, token: str
) -> None:
    # given a tool call padded past the transport's 4 MiB limit
    padding = "x" * (MCP_BODY_LIMIT + 1024)
    body = json.dumps(call("search_objects", {"query": padding})).encode()
    # when it is sent, with its length declared, and again streamed in chunks (no length)
    declared = await fuzz_server.rpc(token, body)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 256 * 1024):
            yield body[start : start + 256 * 1024]

    streamed = await fuzz_server.http.post(
        "/mcp",
        content=chunks(),
        headers={
            "authorization": f"Bearer {token}",
            "content-type": "application/json",
            "accept": "application/json, text/event-stream",
        },
    )
    # then both are refused as too large, and the server carries on
    assert declared.status_code == 413
    assert streamed.status_code == 413
    await still_answers(fuzz_server, token)


async def test_a_graphql_body_over_the_limit_is_refused_with_413(
    fuzz_server: FuzzServer, token: str
) -> None:
    # given a 20 MiB GraphQL request (every route has the same 4 MiB ceiling as /mcp)
    body = json.dumps({"query": "{ me { email } }", "variables": {"x": "y" * 20_000_000}})
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}

    async def chunks() -> AsyncIterator[bytes]:
        data = body.encode()
        for start in range(0, len(data), 1024 * 1024):
            yield data[start : start + 1024 * 1024]

    # when it is sent with its length declared, and streamed without one
    declared = await fuzz_server.http.post("/graphql", content=body, headers=headers)
    streamed = await fuzz_server.http.post("/graphql", content=chunks(), headers=headers)
    # then neither is read to the end: both are refused as too large
    assert declared.status_code == 413
    assert streamed.status_code == 413
    await still_answers(fuzz_server, token)


def authorization_variants(token: str) -> dict[str, list[tuple[bytes, bytes]]]:
    """Header lists (raw bytes, so duplicates and non-ASCII survive) with a broken credential."""
    auth = b"authorization"
    prefix, routing, tail = token.split("_")
    flipped = tail[:-1] + ("A" if tail[-1] != "A" else "B")
    return {
        "garbage": [(auth, b"Bearer alk_garbage")],
        "truncated token": [(auth, f"Bearer {token[:-1]}".encode())],
        "wrong checksum": [(auth, f"Bearer {prefix}_{routing}_{flipped}".encode())],
        "code prefix": [(auth, f"Bearer alc_{routing}_{tail}".encode())],
        "token plus a character": [(auth, f"Bearer {token}x".encode())],
        "token lower-cased": [(auth, f"Bearer {token.lower()}".encode())],
        "token with a space inside": [(auth, f"Bearer {token[:20]} {token[20:]}".encode())],
        "10k-character token": [(auth, b"Bearer alk_" + b"A" * 10_000)],
        "non-ASCII token": [(auth, "Bearer alk_é€😀".encode())],
        "latin-1 bytes": [(auth, b"Bearer \xe9\xff\xfe")],
        "NUL byte escaped": [(auth, b"Bearer alk_%00")],
        "Basic scheme": [(auth, b"Basic dXNlcjpwYXNz")],
        "scheme only": [(auth, b"Bearer")],
        "empty": [(auth, b"")],
        "other scheme with the token": [(auth, f"Token {token}".encode())],
        "garbage then the token": [
            (auth, b"Bearer alk_garbage"),
            (auth, f"Bearer {token}".encode()),
        ],
        "the token then garbage": [
            (auth, f"Bearer {token}".encode()),
            (auth, b"Bearer alk_garbage"),
        ],
        "token in the query string too": [(auth, f"Bearer {token}".encode())],
    }


VARIANTS = list(authorization_variants("alk_a_b"))


@pytest.mark.parametrize("variant", VARIANTS)
async def test_broken_credentials_get_401_and_never_a_fault(
    fuzz_server: FuzzServer, token: str, variant: str
) -> None:
    # given a valid token, broken in one way (or doubled)
    headers = authorization_variants(token)[variant] + [
        (b"content-type", b"application/json"),
        (b"accept", b"application/json, text/event-stream"),
        (b"mcp-protocol-version", b"2025-11-25"),
    ]
    path = f"/mcp?access_token={token}" if variant == "token in the query string too" else "/mcp"
    # when a tool call is made with it
    response = await fuzz_server.http.post(path, content=WHOAMI, headers=headers)
    # then it is refused with the bearer challenge (only the valid token first is accepted)
    assert_clean(response, variant)
    if variant == "the token then garbage":
        assert response.status_code == 200  # the first Authorization header is the one read
    else:
        assert response.status_code == 401, (variant, response.text)
        assert response.headers["www-authenticate"].startswith("Bearer ")
    assert token not in response.text
    await still_answers(fuzz_server, token)


#: /graphql requests a client should not send (with a valid token unless noted).
GRAPHQL = {
    "invalid JSON": (b"{not json", "application/json"),
    "not UTF-8": (b"\xff\xfe", "application/json"),
    "not UTF-8 inside a string": (b'{"query": "\xc3"}', "application/json"),
    "query a number": (b'{"query": 5}', "application/json"),
    "no query": (b'{"variables": {}}', "application/json"),
    "variables a list": (b'{"query": "{ me { role } }", "variables": []}', "application/json"),
    "a batch": (
        b'[{"query": "{ me { role } }"}, {"query": "{ me { role } }"}]',
        "application/json",
    ),
    "syntax error": (b'{"query": "{ me { "}', "application/json"),
    "a lone surrogate in a variable": (
        b'{"query": "query($q: String!) { search(query: $q) { totalCount } }",'
        b' "variables": {"q": "a\\ud800"}}',
        "application/json",
    ),
    "a lone surrogate in the query": (
        b'{"query": "{ search(query: \\"\\ud800\\") { totalCount } }"}',
        "application/json",
    ),
    "NUL in a variable": (
        b'{"query": "query($q: String!) { search(query: $q) { totalCount } }",'
        b' "variables": {"q": "a\\u0000"}}',
        "application/json",
    ),
    "NUL in the query": (
        b'{"query": "{ search(query: \\"\\\\u0000\\") { totalCount } }"}',
        "application/json",
    ),
    "a mutation with a garbage id": (
        b'{"query": "mutation { revokeConnection(id: \\"\\\\u0000x\\") }"}',
        "application/json",
    ),
    "form-encoded": (b"query=%7B+me+%7B+role+%7D+%7D", "application/x-www-form-urlencoded"),
    "text/plain": (b'{"query": "{ me { role } }"}', "text/plain"),
    "multipart without files": (b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x"),
    "deep nesting": (
        b'{"query": "{ me { role } }", "variables": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        "application/json",
    ),
    "50k-token query": (
        json.dumps({"query": "{ " + "me { role } " * 10_000 + "}"}).encode(),
        "application/json",
    ),
}


@pytest.mark.parametrize("case", list(GRAPHQL.values()), ids=list(GRAPHQL))
async def test_malformed_graphql_requests_are_refused_cleanly(
    fuzz_server: FuzzServer, token: str, case: tuple[bytes, str]
) -> None:
    body, content_type = case
    response = await fuzz_server.http.post(
        "/graphql",
        content=body,
        headers={"authorization": f"Bearer {token}", "content-type": content_type},
    )
    assert response.status_code < 500, (response.status_code, response.text[:300])
    assert_no_internals(response.text, body[:80])
    if response.status_code == 200 and response.content:
        errors = response.json().get("errors") or []
        assert all(e.get("message") != "Unexpected error." for e in errors), errors
    await still_answers(fuzz_server, token)


#: Strings that are each a small disaster somewhere: NUL, an unpaired surrogate, bidi
#: overrides, a BOM, 10,000 characters, a string that is only whitespace, SQL and JSON noise.
NASTY = [
    "\x00", "a\x00b", "\ud800", "x\udfffy", "\u202eevil\u202c", "\u200f\u200e", "\ufeffacme",
    "x" * 10_000, "😀" * 2_500, " \t\n ", "", "'; DROP TABLE accounts; --", '{"$ne": null}',
    "%", "_%_", "\\", "acc_" + "z" * 22, "İstanbul", "ﬃ", "\u0301" * 50, "\U0010ffff",
]  # fmt: skip


async def test_odd_unicode_in_every_string_argument_of_every_tool_is_answered_or_refused(
    fuzz_server: FuzzServer, oracle: Oracle, token: str
) -> None:
    # given every string argument of every tool that tools/list announces
    listed = await fuzz_server.rpc(token, {"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    tools = {t["name"]: t["inputSchema"] for t in listed.json()["result"]["tools"]}
    who = narrow(oracle)
    visible = oracle.visible[who.user_id]
    ids = {
        "id": encode_id("account", min(visible["account"])),
        "ids": encode_id("account", min(visible["account"])),
        "account": encode_id("account", min(visible["account"])),
        "account_id": encode_id("account", min(visible["account"])),
        "task_id": encode_id("task", min(visible["task"])),
        "type": "integration",
        "object_type": "account",
    }
    slots = sorted((tool, path) for tool, schema in tools.items() for path in string_slots(schema))
    assert len({tool for tool, _ in slots}) == len(tools) - 2  # whoami, custom types: none
    text = st.one_of(st.sampled_from(NASTY), odd_text(), st.sampled_from(ODD_CHARACTERS))
    examples = st.tuples(st.sampled_from(slots), text)

    async def check(example: tuple[tuple[str, tuple[str, ...]], str]) -> None:
        (tool, path), odd = example
        schema = tools[tool]
        base = example_object(schema, schema.get("$defs", {}), ids)
        arguments = with_slot(schema, base, path, odd, ids)
        # when the tool is called with the odd string in that one place
        response = await fuzz_server.rpc(token, call(tool, arguments))
        # then the answer is a result or a tool error (a parse error for text that is not
        # valid JSON), never a fault, and shows nothing the caller may not see
        assert_clean(response, (tool, path, odd[:40]))
        reply = response.json()
        if has_surrogate(odd):
            assert response.status_code == 400
            assert reply["error"]["code"] == PARSE_ERROR
            return
        assert response.status_code == 200, response.text
        if "error" in reply:  # the SDK refused the arguments' shape (e.g. an enum)
            assert reply["error"]["code"] == -32602, reply
            EXAMPLES["MCP odd Unicode in string arguments (JSON-RPC error)"] += 1
            return
        result = reply["result"]
        EXAMPLES[
            "MCP odd Unicode in string arguments "
            + ("(tool error)" if result.get("isError") else "(answered)")
        ] += 1
        if result.get("isError"):
            assert_tool_error_is_clean(result, (tool, path))
        oracle.check_answer(who, result, arguments, (tool, path))

    await fuzz("MCP odd Unicode in every string argument of every tool", examples, check, 100)
    await still_answers(fuzz_server, token)
