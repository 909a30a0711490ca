"""Phase B of the fault script: PostgreSQL stops under load, then comes back.

:class:`Postgres` is the script's own embedded server (stopped with ``pg_ctl stop -m fast`` and
started again in the same data folder, so the socket URL the apps hold stays valid).
:func:`run_outage` keeps the clients calling throughout, probes ``/healthz`` and ``/readyz`` of
every process, and records the four moments the checks are measured from.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from accountlens.db.embedded import EmbeddedServer, start_embedded
from accountlens.db.engine import EMBEDDED_DATABASE
from accountlens.db.row_security import APP_ROLE
from bench.fault.clients import Connection, Event, Target, drive


class Postgres:
    """The embedded PostgreSQL both app processes share."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        self.server: EmbeddedServer = start_embedded(pgdata)

    def url(self) -> str:
        """The owner's socket URL: the apps' ``DATABASE_OWNER_URL`` (migrations, grants)."""
        return self.server.url(EMBEDDED_DATABASE)

    def app_url(self) -> str:
        """The apps' ``DATABASE_URL``: the role row-level security binds, as in production."""
        return self.server.url(EMBEDDED_DATABASE, user=APP_ROLE)

    def stop(self) -> None:
        """``pg_ctl stop -m fast``: sessions are cut, new connections refused, data kept."""
        # Stop it even if this process found it already running: the outage is the point.
        dataclasses.replace(self.server, started_here=True).stop()

    def start(self) -> None:
        """Start again in the same folder; the socket (and so the URL) must not move."""
        server = start_embedded(self.pgdata)
        if server.url(EMBEDDED_DATABASE) != self.url():
            raise RuntimeError(f"PostgreSQL came back elsewhere: {server.url(EMBEDDED_DATABASE)}")
        self.server = server

    async def connect(self) -> asyncpg.Connection:
        """A superuser connection for the checks (bypasses row-level security)."""
        return await asyncpg.connect(
            host=str(self.server.socket_dir),
            port=self.server.port,
            user="postgres",
            database=EMBEDDED_DATABASE,
        )


@dataclass(frozen=True, slots=True)
class Probe:
    """One ``/healthz`` or ``/readyz`` answer during phase B."""

    process: int
    path: str
    at: float
    status: int  # 0: no answer
    latency_ms: float


@dataclass
class Outage:
    """When things happened (wall clock), and what the probes saw."""

    stop_sent: float = 0.0
    stopped: float = 0.0
    start_sent: float = 0.0
    up: float = 0.0
    probes: list[Probe] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "probes"}


async def _probe(targets: list[Target], outage: Outage, done: asyncio.Event) -> None:
    """Ask every process for liveness and readiness every 100 ms until ``done``."""
    async with httpx.AsyncClient(timeout=10) as http:
        while not done.is_set():
            for target in targets:
                for path in ("/healthz", "/readyz"):
                    started = time.perf_counter()
                    try:
                        status = (await http.get(f"{target.base_url}{path}")).status_code
                    except httpx.HTTPError:
                        status = 0
                    took = round((time.perf_counter() - started) * 1000, 2)
                    outage.probes.append(Probe(target.number, path, time.time(), status, took))
            await asyncio.sleep(0.1)


def first_ok_after(events: list[Event], process: int, moment: float) -> float | None:
    """When ``process`` first answered a tool call successfully after ``moment``."""
    done = [e.done for e in events if e.process == process and e.kind == "ok" and e.done > moment]
    return min(done) if done else None


async def run_outage(
    pg: Postgres,
    targets: list[Target],
    connections: list[Connection],
    clients: int,
    events: list[Event],
    *,
    lead: float,
    seconds: float,
    tail: float,
    recovery_timeout: float,
    retry_pause: float,
) -> Outage:
    """Load for ``lead`` s, PostgreSQL down for ``seconds``, then load until every process has
    answered a call again (at most ``recovery_timeout``) and ``tail`` s more."""
    outage = Outage()
    finished = asyncio.Event()
    load = asyncio.create_task(
        drive("B", targets, connections, clients, finished.is_set, events, retry_pause)
    )
    probes: asyncio.Task[None] | None = None
    try:
        await asyncio.sleep(lead)
        probes = asyncio.create_task(_probe(targets, outage, finished))
        outage.stop_sent = time.time()
        await asyncio.to_thread(pg.stop)
        outage.stopped = time.time()
        await asyncio.sleep(max(0.0, seconds - (outage.stopped - outage.stop_sent)))
        outage.start_sent = time.time()
        await asyncio.to_thread(pg.start)
        outage.up = time.time()
        for _ in range(int(recovery_timeout / 0.05)):
            if all(first_ok_after(events, t.number, outage.up) for t in targets):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(tail)
    finally:
        finished.set()
        await load
        if probes is not None:
            await probes
    return outage
