"""One bearer request, one connection, one transaction: the token check, the binding, the reads.

When the app reads from the primary (no ``DATABASE_READ_URL`` replica), a bearer request to
``/mcp`` or ``/graphql`` runs on **one** pooled connection, in **one** transaction:

1. ``BEGIN`` (once the request's body has arrived: a slow upload holds no connection);
2. the token check (:data:`~accountlens.auth.bearer_query.CHECK_IN_TRANSACTION`): digest,
   revocation, expiry, resource and the user's state, the org row, the connection's rate-limit
   count so far (read, not locked), and, only when the token is accepted, the transaction's
   org binding for row-level security (``accountlens_bind`` in its select list) and then what
   the reader would read first (:class:`~accountlens.auth.bearer_query.ReadAlong`, handed in
   by the app: a member's book sample and the org's hidden fields; not on Citus). A refused
   token reads nothing more: the transaction is rolled back before the 401 is sent;
3. every read of the request (the resolvers' ``Reader`` runs them on this connection, already
   bound: no binding statement of its own; the schema's ORM reads of the auth tables too,
   through :meth:`RequestUnit.sessions`, so a request never waits for a second connection
   while it holds one);
4. just before the last message of the response body goes to the client: **one** statement
   (:func:`~accountlens.auth.bearer_query.settle_sql`) that counts the hit in the connection's
   rate-limit bucket, notes last-used (at most once per ``last_used_resolution``, a minute) and
   writes the request's tool-call audit row;
5. ``COMMIT``.

A cheap tool call is so three statements (check, page, settle) in five round trips, for an
admin and a member alike, where it took four statements on three connections (the check in
autocommit, the reader's binding and page, the audit row in the background).

**Why the hit is counted at the end, not in the check.** An upsert of the bucket in step 2
would hold the bucket row's lock until the request's transaction ends, so one connection's
concurrent requests (a Claude client runs tool calls in parallel over one connection) would run
one after another. Counted in step 4, the lock is held for one round trip (the statement, then
``COMMIT``). The price is an overshoot under concurrency: a request is judged by the count of
the requests *answered* so far, so the calls in flight at once on one connection are not yet
counted and at most that many requests (minus one) beyond the limit may pass. A client that
waits for each answer sees the exact limit: its previous request was committed before its
answer was sent. Hits over the limit count too (429s included), as before.

**Revocation** still bites on the very next request on every replica: step 2 reads the
connection and its user on the primary in each request.

**When something fails.** A statement of the request that fails (a read the server refused)
aborts the transaction: it is rolled back at the end, the hit and last-used are written in
autocommit on a fresh connection, and the audit rows go to the background audit writer (which
keeps them while the database is away). A failed ``COMMIT`` is treated the same way: its
rows may then be written twice, never lost. If the hit cannot be written at all (the database
went away), it is lost: a lost count errs in the client's favour.

**Plans.** On a single node an accepted check also sets ``plan_cache_mode =
force_generic_plan`` for the transaction (``set_config(…, true)``: transaction-local, so nothing
outlives it behind PgBouncer; not on Citus, where the check reads nothing along either). A
cheap call's page statement is one prepared statement per shape whose parameters are the org,
the viewer, ids, a window and a limit; for several user classes PostgreSQL's plan cache kept
re-planning it on every call (its generic plan looked costlier than the custom ones), which
cost more backend CPU than executing it (a team-book member's timeline: 1.6 ms of planning for
0.5 ms of execution), while the generic plan runs as fast. Only the statements a reader marks
as planned alike for all values run so (:meth:`plans_generic`); before any other statement of
the transaction (a search, a filtered list, an ORM read) the unit goes back to the usual
choice with one ``SET LOCAL … TO DEFAULT`` (:meth:`plan_as`), once, so those are planned
exactly as before; a keyword search asks for custom plans instead (``resolvers/search.py``).

With a read replica, the autocommit check on the primary stays (``resource.py``): what must see
the latest write (revocation) reads the primary, and the reads go to the replica, which cannot
share a transaction with it.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.types import Message, Send

from accountlens.auth import bearer_query
from accountlens.auth.bearer_query import PlanMode
from accountlens.db import raw
from accountlens.db.faults import failure_cause

log = logging.getLogger(__name__)

#: Where the unit is kept on the request (``scope["state"]``, i.e. ``request.state``).
STATE_KEY = "request_unit"

#: Takes audit rows the unit could not write (the background audit writer).
AuditFallback = Callable[[list[dict[str, Any]]], Awaitable[None]]


class RequestUnit:
    """The request's connection and transaction (see the module docstring).

    Opened by the bearer check (:meth:`begin`), published on ``request.state`` for the
    resolvers, ended once by :meth:`end`. Statements on it take turns on :attr:`lock`.
    """

    def __init__(self, held: raw.Held, engine: AsyncEngine) -> None:
        self._held = held
        self._engine = engine
        #: Statements on the connection take turns (GraphQL resolves sibling fields at once).
        self.lock = asyncio.Lock()
        self._org: uuid.UUID | None = None
        self._use: bearer_query.Use | None = None
        self._audit: list[dict[str, Any]] = []
        self._fallback: AuditFallback | None = None
        self._spoiled = False
        self._ended = False
        #: How the transaction's statements are planned now: ``generic`` once the check set
        #: ``force_generic_plan``, until a read asks for another mode (:meth:`plan_as`).
        self._mode: PlanMode = "usual"

    @classmethod
    async def begin(cls, engine: AsyncEngine) -> RequestUnit:
        """A pooled connection of ``engine`` in a new transaction."""
        try:
            held = await raw.begin(engine, "BEGIN")
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            # A pooled connection from before a database restart (nothing was sent on it
            # yet): the pool is invalidated now, so the next checkout connects afresh.
            held = await raw.begin(engine, "BEGIN")
        return cls(held, engine)

    async def fetch(self, sql: str, arguments: list[Any]) -> list[Any]:
        """One statement in the transaction (the check); a failure spoils the transaction."""
        try:
            return await raw.fetch(self._held, sql, arguments)
        except BaseException:
            self._spoiled = True
            raise

    def accept(self, org_id: uuid.UUID, use: bearer_query.Use, *, generic: bool = False) -> None:
        """The check accepted the token and bound the transaction to ``org_id``; ``generic``:
        it also set ``force_generic_plan`` (``AccessRow.plans_generic``)."""
        self._org = org_id
        self._use = use
        self._mode = "generic" if generic else "usual"

    @property
    def plans_generic(self) -> bool:
        """Whether statements take a generic plan here (until :meth:`plan_as`)."""
        return self._mode == "generic"

    async def plan_as(self, wanted: PlanMode) -> None:
        """Plan the transaction's next statements as ``wanted``, with one ``SET LOCAL`` if that
        is not the mode already.

        ``generic`` is only ever set by the check: a read that asks for it after another mode
        was set runs in that mode (it is planned well either way). Call with :attr:`lock`
        held, on a usable unit. A failure spoils the transaction.
        """
        if wanted == "generic" or wanted == self._mode:
            return
        try:
            await raw.fetch(self._held, bearer_query.PLAN_MODES[wanted], None)
        except BaseException:
            self._spoiled = True
            raise
        self._mode = wanted

    def held_for(self, org_id: uuid.UUID) -> raw.Held | None:
        """The connection, for a read as ``org_id`` (call with :attr:`lock` held).

        None when it may not be used: the transaction is bound to another org (never the case
        for the request's own principal) or to none, a statement failed, or the unit ended.
        """
        usable = not (self._ended or self._spoiled) and self._org is not None
        return self._held if usable and org_id == self._org else None

    def spoil(self) -> None:
        """A statement on the connection failed: the transaction is aborted."""
        self._spoiled = True

    def sessions(
        self, fallback: Callable[[], AbstractAsyncContextManager[AsyncSession]]
    ) -> Callable[[], AbstractAsyncContextManager[AsyncSession]]:
        """A session factory for the request's ORM reads of the auth tables (its connections).

        Each session runs on the request's connection, inside its transaction, holding
        :attr:`lock` while it is open (so no read of the request overlaps it; the block must
        not call the reader): a request needs no second connection while it holds one, which
        under a small pool (PgBouncer's ``default_pool_size``) would wait for itself. Once the
        unit cannot serve (a statement failed, or it ended), ``fallback`` makes the session.
        """

        @asynccontextmanager
        async def session() -> AsyncIterator[AsyncSession]:
            async with self.lock:
                if self._ended or self._spoiled or self._org is None:
                    async with fallback() as own:
                        yield own
                    return
                await self.plan_as("usual")  # ORM reads are planned as they always were
                # SQLAlchemy knows nothing of the transaction begun on the raw connection: in
                # AUTOCOMMIT it sends no BEGIN/ROLLBACK of its own and its statements join ours.
                connection = await self._held.connection.execution_options(
                    isolation_level="AUTOCOMMIT"
                )
                try:
                    async with AsyncSession(bind=connection, expire_on_commit=False) as shared:
                        yield shared
                except DBAPIError:
                    self._spoiled = True  # the statement aborted the transaction
                    raise

        return session

    def audit(self, row: dict[str, Any], fallback: AuditFallback) -> bool:
        """Write ``row`` (a tool-call audit row) with the request's end; False once it ended.

        ``fallback`` takes the rows if the transaction cannot commit them.
        """
        if self._ended or self._use is None:
            return False
        self._audit.append(row)
        self._fallback = fallback
        return True

    def settling(self, send: Send) -> Send:
        """``send``, ending the unit just before the response's last body message."""

        async def send_settled(message: Message) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                await self.end()
            await send(message)

        return send_settled

    async def end(self) -> None:
        """Count the request, write its audit rows, commit; or roll back. Once; never raises
        for a database error (the answer is made already)."""
        async with self.lock:
            if self._ended:
                return
            self._ended = True
            use, rows = self._use, self._audit
            if use is None:  # refused, or failed before the check said anything
                await raw.discard(self._held)
                return
            if self._spoiled:
                committed = False
                await raw.discard(self._held)
            else:
                committed = await self._commit(use, rows)
        if not committed:
            await self._fall_back(use, rows)

    async def _commit(self, use: bearer_query.Use, rows: Sequence[dict[str, Any]]) -> bool:
        """The settling statement and ``COMMIT``; the connection is handed back either way."""
        try:
            await raw.fetch(
                self._held,
                bearer_query.settle_sql(len(rows)),
                bearer_query.settle_arguments(use, rows),
            )
        except (DBAPIError, OSError, TimeoutError) as exc:
            log.warning("counting a request in its transaction failed: %s", failure_cause(exc))
            await raw.discard(self._held)
            return False
        except BaseException:
            await raw.drop(self._held.connection)
            raise
        return await raw.discard(self._held, "COMMIT")

    async def _fall_back(self, use: bearer_query.Use, rows: list[dict[str, Any]]) -> None:
        """The transaction did not commit: the hit in autocommit, the rows to the writer."""
        try:
            held = await raw.checkout(self._engine)
            try:
                await raw.fetch(
                    held, bearer_query.settle_sql(0), bearer_query.settle_arguments(use)
                )
            finally:
                await raw.discard(held, None)
        except (SQLAlchemyError, OSError, TimeoutError) as exc:  # away, or the pool is full
            log.warning("a request could not be counted: %s", failure_cause(exc))
        if rows and self._fallback is not None:
            try:
                await self._fallback(rows)
            except Exception:  # the answer matters more than its audit row (logged, as before)
                log.exception("could not record an MCP tool call in the audit log")


def unit_of(request: Any) -> RequestUnit | None:
    """The unit of work of an HTTP request (a Starlette ``Request``), if it has one."""
    state = getattr(request, "state", None)
    unit = getattr(state, STATE_KEY, None) if state is not None else None
    return unit if isinstance(unit, RequestUnit) else None
