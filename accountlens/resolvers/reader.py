"""The per-request handle every resolver function reads through.

A :class:`Reader` pairs the principal with a session *factory* (each read opens its own short
session, so concurrently resolved GraphQL fields never share one) and caches what one request
needs repeatedly: the caller's org settings and the org's property definitions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Executable, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accountlens.auth.principal import Principal
from accountlens.db.models import Org, PropertyDefinition
from accountlens.resolvers.dates import zone
from accountlens.resolvers.errors import UnauthenticatedError
from accountlens.resolvers.visibility import visible_orgs, visible_property_definitions

Row = dict[str, Any]


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
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> list[Row]:
        """Run one statement in its own session and return its rows as mappings."""
        async with self.sessions() as session:
            result = await session.execute(statement, params or {})
            return [dict(row) for row in result.mappings()]

    async def scalar(self, statement: Executable) -> Any:
        async with self.sessions() as session:
            return await session.scalar(statement)

    async def once(self, key: str, compute: Callable[[], Awaitable[Any]]) -> Any:
        """``compute()`` the first time ``key`` is asked for in this request, then the memo."""
        async with self._memo_lock:
            if key not in self._memo:
                self._memo[key] = await compute()
            return self._memo[key]

    async def org(self) -> OrgInfo:
        """The caller's org (loaded once per request)."""
        async with self._lock:
            if self._org is None:
                found = await self.rows(
                    select(Org.id, Org.name, Org.slug, Org.timezone, Org.account_visibility).where(
                        visible_orgs(self.principal)
                    )
                )
                if not found:
                    raise UnauthenticatedError("the signed-in user's organization does not exist")
                self._org = OrgInfo(**found[0])
            return self._org

    async def property_definitions(self) -> Sequence[Row]:
        """Every property definition of the org (loaded once per request)."""
        async with self._lock:
            if self._properties is None:
                columns = [
                    c
                    for c in PropertyDefinition.__table__.columns
                    if c.key not in ("org_id", "custom")
                ]
                self._properties = await self.rows(
                    select(*columns)
                    .where(visible_property_definitions(self.principal))
                    .order_by(
                        PropertyDefinition.object_type,
                        PropertyDefinition.position,
                        PropertyDefinition.key,
                    )
                )
            return self._properties

    async def custom_fields(self, object_type: str) -> dict[str, Row]:
        """The custom properties of one object type (``account``, ``custom:<key>`` …) by key."""
        return {
            row["key"]: row
            for row in await self.property_definitions()
            if row["object_type"] == object_type and row["is_custom"]
        }
