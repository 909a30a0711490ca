"""The fault script's load: closed-loop MCP clients spread over several app processes.

Unlike :mod:`bench.load.driver`, every call is kept as an :class:`Event` with wall-clock send and
answer times, the process and connection it went through and how it ended, because the fault
checks compare calls against the outage window and against the audit rows in PostgreSQL.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from bench.load.mcp_client import CallResult, call_tool
from bench.load.workload import Call, UserMix

#: Answers a client waits on before calling again, as a polite client honours ``Retry-After``
#: (shortened: the recovery time is measured from these retries).
RETRY_STATUSES = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class Event:
    """One tool call as a client saw it."""

    phase: str
    process: int
    connection: int
    label: str
    sent: float  # wall clock, seconds since the epoch (comparable with PostgreSQL's now())
    done: float
    latency_ms: float
    status: int  # HTTP status; 0 when no answer arrived
    kind: str  # ok | http_<status> | unavailable | jsonrpc_error | tool_error | transport
    detail: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def kind_of(result: CallResult) -> str:
    """How a call ended, in one word."""
    if result.ok:
        return "ok"
    if result.status != 200:
        return f"http_{result.status}"
    if result.structured is None:
        return "jsonrpc_error"
    # A call already past the gate when the database went away: a tool error that says so.
    error = result.structured.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    return "unavailable" if code == "UNAVAILABLE" else "tool_error"


@dataclass(frozen=True)
class Target:
    """One app process: where to send, and the ``Host`` a load balancer would forward."""

    number: int
    base_url: str
    host: str


@dataclass(frozen=True)
class Connection:
    """One OAuth connection (token) and the calls its user makes."""

    number: int
    mix: UserMix

    @property
    def token(self) -> str:
        return self.mix.token

    @property
    def calls(self) -> list[Call]:
        return self.mix.calls


async def warm_up(targets: list[Target], connection: Connection) -> None:
    """One unmeasured pass of the mix on every process (loads the query embedder, fills the
    caches), so that phase A measures warm servers."""
    for target in targets:
        async with httpx.AsyncClient(
            base_url=target.base_url, timeout=120, headers={"Host": target.host}
        ) as http:
            for call in connection.calls:
                await call_tool(http, connection.token, call.tool, call.arguments)


async def drive(
    phase: str,
    targets: list[Target],
    connections: list[Connection],
    clients: int,
    stop: Callable[[], bool],
    events: list[Event],
    retry_pause: float = 0.25,
) -> None:
    """Run ``clients`` closed-loop clients until ``stop()``; append each call to ``events``.

    Client ``n`` uses connection ``n mod C`` and process ``(n + n div C) mod P``: neighbours
    go to different processes, and with more clients than connections every connection is used
    on every process. After a 503/429 or a failed connection a client waits ``retry_pause``
    before its next call.
    """
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    https = [
        httpx.AsyncClient(base_url=t.base_url, timeout=60, limits=limits, headers={"Host": t.host})
        for t in targets
    ]

    async def client(n: int) -> None:
        connection = connections[n % len(connections)]
        place = (n + n // len(connections)) % len(targets)
        target, http = targets[place], https[place]
        order = list(connection.calls)
        random.Random(n).shuffle(order)
        i = 0
        while not stop():
            call = order[i % len(order)]
            i += 1
            sent, started = time.time(), time.perf_counter()
            try:
                result = await call_tool(http, connection.token, call.tool, call.arguments)
                status, kind, detail = result.status, kind_of(result), result.error
            except httpx.HTTPError as exc:
                status, kind, detail = 0, "transport", repr(exc)[:200]
            took = (time.perf_counter() - started) * 1000
            events.append(
                Event(phase, target.number, connection.number, call.label, sent, time.time(),
                      round(took, 2), status, kind, detail)
            )  # fmt: skip
            if status in RETRY_STATUSES or kind == "transport":
                await asyncio.sleep(retry_pause)

    try:
        await asyncio.gather(*(client(n) for n in range(clients)))
    finally:
        for http in https:
            await http.aclose()
