"""The GraphQL context: who is asking, how to read, and per-request DataLoaders.

Built by one function, :func:`build_context`, for HTTP requests and for in-process callers (the
MCP adapter) alike. Its reader runs every read of the operation on one connection in one
transaction (statements take turns: Strawberry resolves sibling fields concurrently), so a
context is used as ``async with build_context(...) as context:`` and closed when the operation
is done.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from accountlens.auth.principal import Principal
from accountlens.auth.request_unit import RequestUnit
from accountlens.resolvers import relations
from accountlens.resolvers.lists import load_children, load_records
from accountlens.resolvers.reader import Reader, Row, SessionSource
from accountlens.resolvers.registry import spec_for
from accountlens.resolvers.semantic import QueryEmbedder, SearchTuning
from accountlens.resolvers.timeline import load_timelines
from accountlens.schema.request_policy import QueryBudget

RowLoader = DataLoader[uuid.UUID, Row | None]
ListLoader = DataLoader[uuid.UUID, list[Row]]


@dataclass
class Loaders:
    """One DataLoader per relation, created on first use and living for one request."""

    reader: Reader

    def __post_init__(self) -> None:
        self._records: dict[str, RowLoader] = {}
        self._lists: dict[tuple[str, ...], ListLoader] = {}

    def record(self, type_key: str) -> RowLoader:
        """Visible records of one type by id (``None`` for missing or invisible)."""
        loader = self._records.get(type_key)
        if loader is None:

            async def load(ids: list[uuid.UUID]) -> list[Row | None]:
                return await load_records(self.reader, type_key, ids)

            loader = self._records[type_key] = DataLoader(load_fn=load)
        return loader

    def children(self, type_key: str, parent_column: str, first: int) -> ListLoader:
        """Up to ``first`` visible ``type_key`` rows per parent id (e.g. an account's people)."""
        spec = spec_for(type_key)

        async def load(ids: list[uuid.UUID]) -> list[list[Row]]:
            return await load_children(self.reader, spec, parent_column, ids, first)

        return self._list(("children", type_key, parent_column, str(first)), load)

    def related(self, relation: str) -> ListLoader:
        """A many-to-many relation by name: ``account_groups``, ``account_team`` …"""
        functions: dict[str, Callable[[Reader, Sequence[uuid.UUID]], Awaitable[list[list[Row]]]]]
        functions = {
            "account_groups": lambda r, ids: relations.load_groups_of(r, "account_id", ids),
            "person_groups": lambda r, ids: relations.load_groups_of(r, "person_id", ids),
            "account_team": relations.load_account_teams,
            "activity_people": relations.load_activity_people,
            "project_members": relations.load_project_members,
            "team_members": relations.load_team_members,
            "user_teams": relations.load_user_teams,
        }
        function = functions[relation]

        async def load(ids: list[uuid.UUID]) -> list[list[Row]]:
            return await function(self.reader, ids)

        return self._list(("related", relation), load)

    def timeline(
        self, since: str | None, until: str | None, kinds: tuple[str, ...], first: int
    ) -> ListLoader:
        """Each account's newest events in one window (one statement per batch of accounts)."""

        async def load(ids: list[uuid.UUID]) -> list[list[Row]]:
            return await load_timelines(self.reader, ids, since, until, kinds or None, first)

        key = ("timeline", since or "", until or "", ",".join(kinds), str(first))
        return self._list(key, load)

    def _list(
        self, key: tuple[str, ...], load: Callable[[list[uuid.UUID]], Awaitable[list[list[Row]]]]
    ) -> ListLoader:
        loader = self._lists.get(key)
        if loader is None:
            loader = self._lists[key] = DataLoader(load_fn=load)
        return loader


class Context(BaseContext):
    """Everything a resolver may use. ``request`` is set by the HTTP router, else ``None``.

    ``budget`` is what one request may ask for (:mod:`accountlens.schema.request_policy`); the
    HTTP router sets it, in-process callers run their own fixed documents without one.
    """

    def __init__(
        self,
        principal: Principal,
        reader: Reader,
        *,
        embedder: QueryEmbedder | None = None,
        tuning: SearchTuning | None = None,
        request: Any = None,
        budget: QueryBudget | None = None,
        primary_sessions: Callable[[], AbstractAsyncContextManager[Any]] | None = None,
    ) -> None:
        super().__init__()
        self.principal = principal
        self.reader = reader
        # Connections must read the primary: one made a moment ago is missing on a replica.
        self.primary_sessions: Callable[[], AbstractAsyncContextManager[Any]] = (
            primary_sessions or reader.sessions
        )
        self.loaders = Loaders(reader)
        self.embedder = embedder
        self.tuning = tuning or SearchTuning()
        self.request = request
        self.budget = budget

    async def aclose(self) -> None:
        """End the operation's read transaction and hand its connection back to the pool."""
        await self.reader.close()

    async def __aenter__(self) -> Context:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def build_context(
    principal: Principal,
    database: SessionSource,
    request: Any = None,
    *,
    embedder: QueryEmbedder | None = None,
    tuning: SearchTuning | None = None,
    budget: QueryBudget | None = None,
    total_cap: int = 0,
    search_cap: int = 0,
    unit: RequestUnit | None = None,
) -> Context:
    """The context for one operation executed as ``principal`` (close it after the operation).

    ``database`` is anything with ``read_sessions`` (an ``accountlens.db.engine.Database``);
    ``embedder`` turns semantic-search queries into vectors (without one, semantic search
    falls back to full-text ranking only); ``total_cap`` bounds list totals (0: exact; the
    app passes ``Settings.list_total_cap``); ``search_cap`` bounds the candidates keyword
    search reads per type (0: all; the app passes ``Settings.search_candidate_cap``); ``unit``
    is the request's unit of work (:mod:`accountlens.auth.request_unit`), whose connection and
    transaction the reads then share with the bearer check (the unit's owner ends it, not the
    context).
    """
    return Context(
        principal,
        Reader.open(principal, database, total_cap, unit, search_cap),
        embedder=embedder,
        tuning=tuning,
        request=request,
        budget=budget,
        primary_sessions=_primary_sessions(database, unit),
    )


def _primary_sessions(
    database: SessionSource, unit: RequestUnit | None
) -> Callable[[], AbstractAsyncContextManager[Any]] | None:
    """Sessions on the primary: the request's own connection when it has a unit of work."""
    own: Callable[[], AbstractAsyncContextManager[Any]] | None = getattr(database, "sessions", None)
    if unit is None:
        return own
    return unit.sessions(own or database.read_sessions)
