"""The per-request handle every resolver function reads through.

A :class:`Reader` pairs the principal with a session *factory* (each read opens its own short
session, so concurrently resolved GraphQL fields never share one) and caches what one request
needs repeatedly: the caller's org settings and the org's property definitions.

Property definitions change only when an admin imports or edits fields, yet every list reads
them; they are shared across requests for :data:`PROPERTY_TTL_SECONDS`. The org row is read
fresh in each request, because its account visibility mode decides what the caller sees.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Executable, select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from accountlens.auth.principal import Principal
from accountlens.db.faults import failure_cause
from accountlens.db.models import Org, PropertyDefinition
from accountlens.db.row_security import bind_org
from accountlens.resolvers.dates import zone
from accountlens.resolvers.errors import UnauthenticatedError, UnavailableError
from accountlens.resolvers.visibility import (
    BOOK_INLINE_MAX,
    Viewer,
    book_sample,
    row_security_org,
    visible_orgs,
    visible_property_definitions,
)

Row = dict[str, Any]

log = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = "the database is unavailable right now; retry in a few seconds"

#: How long one process reuses an org's property definitions (custom fields appear this late).
PROPERTY_TTL_SECONDS = 5.0
_shared_properties: dict[uuid.UUID, tuple[float, list[Row]]] = {}


class SessionSource(Protocol):
    """Anything with a read-session factory (``accountlens.db.engine.Database`` is one)."""

    @property
    def read_sessions(self) -> async_sessionmaker[AsyncSession]: ...


@dataclass(frozen=True, slots=True)
class OrgInfo:
    id: Any
    name: str
    slug: str
    timezone: str
    account_visibility: str

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.timezone)


@dataclass
class Reader:
    """The principal plus a session factory, with per-request caches."""

    principal: Principal
    sessions: async_sessionmaker[AsyncSession]
    _org: OrgInfo | None = field(default=None, init=False)
    _properties: list[Row] | None = field(default=None, init=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    _memo: dict[str, Any] = field(default_factory=dict, init=False)
    _memo_lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    @classmethod
    def open(cls, principal: Principal, source: SessionSource) -> Reader:
        return cls(principal, source.read_sessions)

    async def rows(
        self,
        statement: Executable,
        params: Mapping[str, Any] | None = None,
        *,
        settings: Mapping[str, str] | None = None,
    ) -> list[Row]:
        """Run one statement on its own pooled connection and return its rows as mappings.

        Reads go through a Core connection rather than an ORM session: no identity map, no
        ORM compile step, and the same short-lived, concurrency-safe checkout. The transaction
        is first scoped to the principal's org, so row-level security admits that org's rows
        only, whatever the statement says (``accountlens/db/row_security.py``). ``settings``
        are further settings for this statement's transaction only (``hnsw.ef_search`` …).
        """
        try:
            try:
                return await self._rows(statement, params, settings)
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                # A pooled connection from before a database restart: the pool has now been
                # invalidated, and a read is safe to run again on a fresh connection.
                return await self._rows(statement, params, settings)
        except (OSError, TimeoutError, PoolTimeout) as exc:
            raise _unavailable(exc) from exc
        except DBAPIError as exc:
            if not database_unavailable(exc):
                raise
            raise _unavailable(exc) from exc

    async def _rows(
        self,
        statement: Executable,
        params: Mapping[str, Any] | None,
        settings: Mapping[str, str] | None,
    ) -> list[Row]:
        bind = self.sessions.kw.get("bind")
        if isinstance(bind, AsyncEngine):
            async with bind.connect() as connection:
                await bind_org(connection, row_security_org(self.principal), settings)
                result = await connection.execute(statement, params or {})
                return [dict(row) for row in result.mappings()]
        async with self.sessions() as session:
            await bind_org(await session.connection(), row_security_org(self.principal), settings)
            found = await session.execute(statement, params or {})
            return [dict(row) for row in found.mappings()]

    async def scalar(self, statement: Executable) -> Any:
        found = await self.rows(statement)
        return next(iter(found[0].values())) if found else None

    async def once(self, key: str, compute: Callable[[], Awaitable[Any]]) -> Any:
        """``compute()`` the first time ``key`` is asked for in this request, then the memo."""
        async with self._memo_lock:
            if key not in self._memo:
                self._memo[key] = await compute()
            return self._memo[key]

    async def org(self) -> OrgInfo:
        """The caller's org (loaded once per request), with a member's book sampled alongside."""
        async with self._lock:
            if self._org is None:
                columns: list[Any] = [Org.id, Org.name, Org.slug, Org.timezone]
                columns.append(Org.account_visibility)
                if not self.principal.is_admin:
                    columns.append(book_sample(self.principal).label("book"))
                found = await self.rows(select(*columns).where(visible_orgs(self.principal)))
                if not found:
                    raise UnauthenticatedError("the signed-in user's organization does not exist")
                sampled = found[0].pop("book", None)
                self._org = OrgInfo(**found[0])
                book = tuple(sampled or ()) if len(sampled or ()) <= BOOK_INLINE_MAX else None
                # From here on, visibility predicates take the exact form for the org's mode.
                self.principal = as_viewer(self.principal, self._org.account_visibility, book)
            return self._org

    async def property_definitions(self) -> Sequence[Row]:
        """Every property definition of the org (shared by requests for a few seconds)."""
        org_id = (await self.org()).id  # the key comes from the org row, not the principal
        async with self._lock:
            if self._properties is None:
                cached = _shared_properties.get(org_id)
                if cached is not None and cached[0] > time.monotonic():
                    self._properties = cached[1]
                else:
                    self._properties = await self._load_property_definitions()
                    expires = time.monotonic() + PROPERTY_TTL_SECONDS
                    _shared_properties[org_id] = (expires, self._properties)
            return self._properties

    async def _load_property_definitions(self) -> list[Row]:
        columns = [
            c for c in PropertyDefinition.__table__.columns if c.key not in ("org_id", "custom")
        ]
        return await self.rows(
            select(*columns)
            .where(visible_property_definitions(self.principal))
            .order_by(
                PropertyDefinition.object_type, PropertyDefinition.position, PropertyDefinition.key
            )
        )

    async def custom_fields(self, object_type: str) -> dict[str, Row]:
        """The custom properties of one object type (``account``, ``custom:<key>`` …) by key."""
        return {
            row["key"]: row
            for row in await self.property_definitions()
            if row["object_type"] == object_type and row["is_custom"]
        }


#: SQLSTATEs of a server going away: connection exceptions, admin/crash shutdown, starting up.
_GONE_STATES = ("08", "57P01", "57P02", "57P03")


def database_unavailable(exc: DBAPIError) -> bool:
    """True when ``exc`` says the database is away rather than that the statement is wrong.

    A lost or refused connection, a server shutting down or starting up, or a driver-level
    failure with no SQLSTATE (a connection closed mid-operation). A statement the server
    rejected (bad data, a bug of ours) has a SQLSTATE of its own and stays a fault.
    """
    if exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError)):
        return True
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return state is None or str(state).startswith(_GONE_STATES)


def _unavailable(exc: BaseException) -> UnavailableError:
    # Down, restarting or saturated: say so (and to retry) instead of a masked fault.
    log.warning("read failed, database unavailable: %s", failure_cause(exc))
    return UnavailableError(UNAVAILABLE_MESSAGE)


def as_viewer(
    principal: Principal, account_visibility: str, book: tuple[uuid.UUID, ...] | None = None
) -> Viewer:
    """``principal`` with its org's visibility mode (and small book) attached."""
    fields = {name: getattr(principal, name) for name in Principal.__dataclass_fields__}
    return Viewer(**fields, account_visibility=account_visibility, book=book)
