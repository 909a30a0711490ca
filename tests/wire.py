"""What a piece of code costs on the wire to PostgreSQL: statements and round trips.

Counted at the driver (asyncpg), below SQLAlchemy, so reads run straight on asyncpg are counted
like those that go through an engine. A round trip is one exchange with the server: a simple
query (which may carry several commands: ``BEGIN; SELECT set_config(…)``), a prepare, or a
bind-and-execute of a prepared statement. A statement is one SQL command other than
transaction control (``BEGIN``, ``COMMIT``, ``ROLLBACK``). Prepares are counted apart too: a
statement is prepared once per pooled connection (asyncpg's cache), so a call whose round trips
exceed its statements plus ``BEGIN``/``COMMIT`` ran something that connection had not seen yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from asyncpg.connection import Connection
from asyncpg.prepared_stmt import PreparedStatement

_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "START TRANSACTION")


@dataclass
class Wire:
    """Statements sent and round trips made while :func:`counting_wire` was active."""

    statements: list[str] = field(default_factory=list)
    round_trips: int = 0
    #: Of the round trips, the prepares (Parse/Describe of a statement not in the cache).
    prepares: int = 0

    def sent(self, query: str, round_trips: int = 1) -> None:
        self.round_trips += round_trips
        for command in (c.strip() for c in query.split(";")):
            if command and not command.upper().startswith(_CONTROL):
                self.statements.append(command)


@contextmanager
def counting_wire() -> Iterator[Wire]:
    """Count every asyncpg exchange in this process (restored on exit)."""
    wire = Wire()
    originals: dict[tuple[type[Any], str], Callable[..., Any]] = {}

    def patch(cls: type[Any], name: str, make: Callable[[Any], Any]) -> None:
        originals[(cls, name)] = getattr(cls, name)
        setattr(cls, name, make(originals[(cls, name)]))

    def simple(original: Any) -> Any:
        async def execute(self: Connection, query: str, *args: Any, **kwargs: Any) -> Any:
            if not args:  # with arguments it is a prepared execution, counted below
                wire.sent(query)
            return await original(self, query, *args, **kwargs)

        return execute

    def bind_execute(original: Any) -> Any:
        async def run(self: Connection, query: str, *args: Any, **kwargs: Any) -> Any:
            wire.sent(query)
            return await original(self, query, *args, **kwargs)

        return run

    def prepare(original: Any) -> Any:
        async def get(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            # asyncpg's own cache, by the key it uses (private: the stubs do not list it)
            record_class = kwargs.get("record_class") or self._protocol.get_record_class()
            key = (query, record_class, kwargs.get("ignore_custom_codec", False))
            if not kwargs.get("use_cache", True) or self._stmt_cache.get(key) is None:
                wire.round_trips += 1  # Parse/Describe; a cached statement skips it
                wire.prepares += 1
            return await original(self, query, *args, **kwargs)

        return get

    def prepared(original: Any) -> Any:
        async def run(self: PreparedStatement[Any], *args: Any, **kwargs: Any) -> Any:
            wire.sent(self.get_query())
            return await original(self, *args, **kwargs)

        return run

    patch(Connection, "execute", simple)
    patch(Connection, "_Connection__execute", bind_execute)
    patch(Connection, "_get_statement", prepare)
    patch(Connection, "_executemany", bind_execute)
    for name in ("fetch", "fetchrow", "fetchval", "executemany"):
        patch(PreparedStatement, name, prepared)
    try:
        yield wire
    finally:
        for (cls, name), original in originals.items():
            setattr(cls, name, original)
