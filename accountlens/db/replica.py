"""Reads on a replica that fall back to the primary when the replica is gone or frozen.

The read engine's pool opens its connections through :meth:`ReplicaRoute.connect`: to the
replica while it answers, else (within the replica's short connect timeout) to the primary.
A probe every :data:`PROBE_INTERVAL_S` asks the replica ``SELECT 1``; when it fails, or an
attempt to connect fails, the route is *open* (circuit-breaker sense): new connections go to
the primary, pooled replica connections are refused at checkout, and replica connections in
use are terminated, so a statement waiting on a frozen replica fails at once as a lost
connection, which the reader retries once on a fresh (primary) connection. When the probe
succeeds again, the route closes and primary connections leave the read pool at checkout.

A stopped replica refuses connections at once; a frozen one (SIGSTOP, a dead host behind a
live TCP stack) accepts TCP and then says nothing: only timeouts tell, hence the short ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine

from accountlens.db.faults import failure_cause

log = logging.getLogger(__name__)

#: How often the replica is probed, and how long a probe or a replica connect may take. A
#: frozen replica is noticed within interval + timeout (0.75 s), under the 1 s we promise.
PROBE_INTERVAL_S = 0.25
PROBE_TIMEOUT_S = 0.5

#: Driver arguments SQLAlchemy's asyncpg adapter consumes itself (not asyncpg's).
_ADAPTER_ONLY = ("prepared_statement_cache_size", "prepared_statement_name_func")

Connect = Callable[..., Awaitable[Any]]


class ReplicaRoute:
    """Where the read pool's connections go; see the module docstring."""

    def __init__(self, primary_arguments: dict[str, Any], connect: Connect = asyncpg.connect):
        self._primary = {k: v for k, v in primary_arguments.items() if k not in _ADAPTER_ONLY}
        self._connect = connect
        self._replica_arguments: dict[str, Any] | None = None
        self._replica_connections: weakref.WeakSet[Any] = weakref.WeakSet()
        self._fallback_connections: weakref.WeakSet[Any] = weakref.WeakSet()
        self._down_since: float | None = None
        self._probe: Any = None
        self._monitor: asyncio.Task[None] | None = None

    @property
    def down(self) -> bool:
        """True while reads go to the primary because the replica does not answer."""
        return self._down_since is not None

    def attach(self, engine: AsyncEngine) -> None:
        """Refuse, at checkout, pooled connections that go to the wrong server for now."""

        @event.listens_for(engine.sync_engine, "checkout")
        def _checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
            raw = dbapi_connection.driver_connection
            if self.down and raw in self._replica_connections:
                raise exc.DisconnectionError("the replica is down")
            if not self.down and raw in self._fallback_connections:
                raise exc.DisconnectionError("the replica is back")

    async def connect(self, *args: Any, **arguments: Any) -> Any:
        """The read pool's driver connect: the replica if it answers quickly, else the primary."""
        if self._replica_arguments is None:
            self._replica_arguments = arguments
        self._start_monitor()
        if not self.down:
            try:
                replica = await self._connect(*args, **(arguments | {"timeout": PROBE_TIMEOUT_S}))
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                self._mark_down(exc)
            else:
                self._replica_connections.add(replica)
                return replica
        primary = await self._connect(**self._primary)
        self._fallback_connections.add(primary)
        return primary

    async def check(self) -> bool:
        """Probe the replica now; True when it answered (readiness asks this)."""
        try:
            if self._probe is None or self._probe.is_closed():
                arguments = self._replica_arguments
                if arguments is None:
                    return not self.down
                self._probe = await self._connect(**(arguments | {"timeout": PROBE_TIMEOUT_S}))
            await self._probe.fetchval("SELECT 1", timeout=PROBE_TIMEOUT_S)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            if self._probe is not None:
                self._probe.terminate()
                self._probe = None
            self._mark_down(exc)
            return False
        if self.down:
            log.warning("read replica answers again: reads go back to it")
            self._down_since = None
        return True

    def _mark_down(self, cause: BaseException) -> None:
        if not self.down:
            log.warning(
                "read replica unavailable, reading from the primary (%s)", failure_cause(cause)
            )
            self._down_since = time.monotonic()
        # Statements waiting on a frozen replica would wait for the statement timeout: cut
        # them off, so the reader's retry runs them on the primary now.
        for connection in list(self._replica_connections):
            if not connection.is_closed():
                connection.terminate()

    def _start_monitor(self) -> None:
        if self._monitor is None or self._monitor.done():
            self._monitor = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            await self.check()
            await asyncio.sleep(PROBE_INTERVAL_S)

    async def close(self) -> None:
        if self._monitor is not None:
            self._monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError, RuntimeError):
                await self._monitor
        if self._probe is not None and not self._probe.is_closed():
            self._probe.terminate()
