"""The per-request handle every resolver function reads through.

A :class:`Reader` pairs the principal with the request's read connection (opened at the first
read, one transaction for the whole request, statements serialized because GraphQL fields are
resolved concurrently) and caches what one request needs repeatedly: the caller's org settings
and the org's property definitions.

Property definitions change only when an admin imports or edits fields, yet every list reads
them; they are shared across requests for :data:`PROPERTY_TTL_SECONDS`. The org row is read
fresh in each request, because its account visibility mode decides what the caller sees: by
the bearer check, in its own statement, with a member's book sample and the org's hidden
fields (:func:`read_along`), or else by :meth:`Reader.org`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy import (
    Executable,
    Select,
    Text,
    Uuid,
    and_,
    case,
    func,
    literal_column,
    null,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from accountlens.auth.bearer_query import PlanMode, ReadAlong
from accountlens.auth.principal import Principal
from accountlens.auth.request_unit import RequestUnit
from accountlens.db.faults import failure_cause
from accountlens.db.models import FieldSecurity, Org, PropertyDefinition
from accountlens.db.raw import Held, begin, discard, fetch
from accountlens.db.row_security import begin_bound_sql
from accountlens.resolvers import compiled
from accountlens.resolvers.dates import zone
from accountlens.resolvers.errors import UnauthenticatedError, UnavailableError
from accountlens.resolvers.visibility import (
    BOOK_INLINE_MAX,
    Viewer,
    book_sample,
    parametrized,
    row_security_org,
    shape_of,
    viewer_parameters,
    visible_field_security,
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
    """The principal plus the request's connection, with per-request caches.

    Every read of one request runs on one pooled connection in one transaction, opened and
    bound to the caller's org in one round trip
    (:func:`~accountlens.db.row_security.begin_bound_sql`): a statement then costs one round
    trip instead of four (``BEGIN``, the binding, the statement, ``ROLLBACK``) and one pool
    checkout. Statements run on the asyncpg connection itself, as SQL text compiled once per
    shape (:mod:`accountlens.resolvers.compiled`). Strawberry resolves sibling fields
    concurrently, so statements on the shared connection take turns (``_statement_lock``);
    the connection is opened at the first read and handed back by :meth:`close` at the end
    of the request.

    With a ``unit`` (:class:`~accountlens.auth.request_unit.RequestUnit`: the request's own
    connection and transaction, opened by the bearer check and already bound to the token's
    org by it), reads run on that connection instead and open nothing: the check, the binding
    and every read of the request are one transaction, and the unit's owner ends it. Readers
    sharing a unit (a tool that runs two operations) take turns on its lock. Once a statement
    on the unit has failed, or the unit has ended, reads fall back to a connection of their own
    as above.
    """

    principal: Principal
    sessions: async_sessionmaker[AsyncSession]
    #: Lists count at most this many matches, then say their total is a lower bound (0: exact).
    total_cap: int = 0
    #: Keyword search reads at most this many candidates per type and tier (0: all).
    search_cap: int = 0
    _org: OrgInfo | None = field(default=None, init=False)
    _properties: list[Row] | None = field(default=None, init=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    _memo: dict[str, Any] = field(default_factory=dict, init=False)
    _memo_lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    _held: Held | None = field(default=None, init=False)
    #: Records read alongside others (a page's owners): ``(type, id)`` → row, ``None`` = hidden.
    prefetched: dict[tuple[str, uuid.UUID], Row | None] = field(default_factory=dict, init=False)
    _statement_lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    #: The request's unit of work, when the bearer check opened one (reads then run on it).
    unit: RequestUnit | None = None
    #: A member's hidden fields as ``(object type, field)``, when read with the org row
    #: (:func:`~accountlens.resolvers.field_security.hidden_fields` then reads nothing).
    hidden_rows: list[tuple[str, str]] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        along = self._along()
        if along is not None and not self.principal.is_admin:
            self.hidden_rows = [(str(t), str(f)) for t, f in along.get(_HIDDEN) or ()]
        self._take_checked_org()

    def _take_checked_org(self) -> None:
        """Take the org row (and a member's book) from the bearer check, when it read them.

        Done at once rather than at the first :meth:`org`, so that every statement of the
        request, including those that never ask for the org (records by id, relations), is
        built for the :class:`Viewer` and takes the cheap predicate of its mode.
        """
        facts = self.principal.org_facts
        if facts is None:
            return
        bookless = self.principal.is_admin or facts.account_visibility == "open"
        along = self._along()
        if not bookless and along is None:
            return  # the check did not read the book: :meth:`org` reads it with the org row
        self._org = OrgInfo(
            row_security_org(self.principal),  # the caller's own org, always
            facts.name,
            facts.slug,
            facts.timezone,
            facts.account_visibility,
        )
        book = None if bookless or along is None else _inlined(along.get(_BOOK))
        self.principal = as_viewer(self.principal, facts.account_visibility, book)

    def _along(self) -> Mapping[str, Any] | None:
        """What the bearer check read for this reader (:func:`read_along`), if it did."""
        facts = self.principal.org_facts
        return facts.along if facts is not None else None

    @classmethod
    def open(
        cls,
        principal: Principal,
        source: SessionSource,
        total_cap: int = 0,
        unit: RequestUnit | None = None,
        search_cap: int = 0,
    ) -> Reader:
        return cls(principal, source.read_sessions, total_cap, search_cap, unit=unit)

    @property
    def engine(self) -> AsyncEngine:
        bind = self.sessions.kw.get("bind")
        if not isinstance(bind, AsyncEngine):
            raise TypeError("the read session factory must be bound to an AsyncEngine")
        return bind

    async def rows(
        self,
        statement: Executable,
        params: Mapping[str, Any] | None = None,
        *,
        settings: Mapping[str, str] | None = None,
        plan: PlanMode = "usual",
    ) -> list[Row]:
        """Run one statement in the request's transaction and return its rows as mappings.

        Reads go through a Core connection rather than an ORM session: no identity map, no
        ORM compile step. The transaction is scoped to the principal's org, so row-level
        security admits that org's rows only, whatever the statement says
        (``accountlens/db/row_security.py``). A statement with ``settings`` (``hnsw.ef_search``
        …) runs on a connection and in a transaction of its own, so the settings bind it alone
        and it may overlap the request's other reads.

        ``plan``: ``generic`` for a statement whose plan is as good for any of its values (keys,
        the viewer, a window, a limit: no value whose frequency changes the plan), so in the
        request's transaction it keeps the generic plan the bearer check chose for it instead
        of being re-planned on every call (``accountlens.auth.request_unit``, *Plans*);
        ``custom`` for one whose best plan depends on its values' frequencies (a search's
        words); ``usual``: as PostgreSQL would choose.
        """
        try:
            try:
                return await self._rows(statement, params, settings, plan)
            except DBAPIError as exc:
                if not exc.connection_invalidated:
                    raise
                # A pooled connection from before a database restart: the pool has now been
                # invalidated, and a read is safe to run again on a fresh connection.
                return await self._rows(statement, params, settings, plan)
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
        mode: PlanMode = "usual",
    ) -> list[Row]:
        sql, arguments, plan = compiled.bound(
            statement, params, self.engine.dialect, self.engine.sync_engine._compiled_cache
        )
        if settings:
            own = await self._open(settings)
            try:
                return await self._run(own, sql, arguments, plan)
            finally:
                await discard(own)
        unit = self.unit
        if unit is not None:
            async with unit.lock:
                held = unit.held_for(row_security_org(self.principal))
                if held is not None:
                    try:
                        await unit.plan_as(mode)
                        return await self._run(held, sql, arguments, plan)
                    except BaseException:
                        # The request's transaction is aborted: its owner rolls it back at
                        # the end; this request's further reads open a connection of their own.
                        unit.spoil()
                        raise
        async with self._statement_lock:
            held = self._held
            if held is None:
                held = self._held = await self._open(None)
            try:
                return await self._run(held, sql, arguments, plan)
            except BaseException:
                # A failed statement aborts the transaction (and a cancelled one may leave the
                # connection mid-protocol): hand it back, the next read opens a fresh one.
                self._held = None
                await discard(held)
                raise

    async def _run(
        self, held: Held, sql: str, arguments: list[Any], plan: compiled.Plan
    ) -> list[Row]:
        if plan.results is None:
            # Once per shape: the server's column types pick the numeric processors. The
            # unnamed statement (``name=""``) is safe behind a transaction-mode pooler.
            try:
                prepared = await held.driver.prepare(sql, name="")
            except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                raise DBAPIError(sql, None, exc) from exc
            plan.resolve(self.engine.dialect, [a.type.oid for a in prepared.get_attributes()])
        return compiled.as_rows(await fetch(held, sql, arguments), plan)

    async def _open(self, settings: Mapping[str, str] | None) -> Held:
        """A pooled connection in a transaction bound to the caller's org (one round trip)."""
        return await begin(self.engine, begin_bound_sql(row_security_org(self.principal), settings))

    async def close(self) -> None:
        """End the request's transaction (it only read) and hand its connection back."""
        async with self._statement_lock:
            held, self._held = self._held, None
        if held is not None:
            await discard(held)

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
                principal = self.principal
                found = await self.rows(
                    _org_statement(shape_of(principal)), viewer_parameters(principal)
                )
                if not found:
                    raise UnauthenticatedError("the signed-in user's organization does not exist")
                sampled = found[0].pop("book", None)
                if "hidden" in found[0]:
                    hidden = found[0].pop("hidden") or []
                    self.hidden_rows = [(str(t), str(f)) for t, f in hidden]
                self._org = OrgInfo(**found[0])
                # From here on, visibility predicates take the exact form for the org's mode.
                self.principal = as_viewer(
                    self.principal, self._org.account_visibility, _inlined(sampled)
                )
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
            ),
            plan="generic",  # the org's definitions, whatever the org
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


@functools.lru_cache(maxsize=64)
def _org_statement(shape: Principal) -> Select[Any]:
    """The caller's org row; for a member, their book sampled and the org's hidden fields too.

    Built once per viewer shape (the caller's ids are parameters). A member's request needs
    both the book (for the cheap predicates) and the hidden fields (for every projection):
    read here, they cost one round trip with the org row instead of two.
    """
    viewer = parametrized(shape)
    columns: list[Any] = [Org.id, Org.name, Org.slug, Org.timezone, Org.account_visibility]
    if not viewer.is_admin:
        columns.append(book_sample(viewer).label("book"))
        pair = func.json_build_array(FieldSecurity.object_type, FieldSecurity.field)
        hidden = select(func.json_agg(pair)).where(visible_field_security(viewer))
        columns.append(hidden.scalar_subquery().label("hidden"))
    return select(*columns).where(visible_orgs(viewer))


def _inlined(sampled: Sequence[uuid.UUID] | None) -> tuple[uuid.UUID, ...] | None:
    """The book to inline from its sample (``None``: an empty book), or None when too big."""
    return tuple(sampled or ()) if len(sampled or ()) <= BOOK_INLINE_MAX else None


_BOOK, _HIDDEN = "book", "hidden"


@functools.cache
def read_along() -> ReadAlong:
    """What the bearer check reads for the reader: a member's book sample and hidden fields.

    The same columns as :func:`_org_statement` reads after the org row (the org row itself
    the check reads anyway), so that a member's request reads nothing before its first page:
    the book only for a member of a restricted org (an admin and an open org need none), the
    hidden fields for any member. The rules are the visibility module's, built for a viewer
    whose ids are the checked row's columns (``checked.org_id``, ``checked.user_id``: see
    :class:`~accountlens.auth.bearer_query.ReadAlong`), so the text has no parameters; the
    app hands it to the check (auth may not import the resolvers).
    """
    checked = {
        name: literal_column(f"checked.{name}", kind)
        for name, kind in (
            ("org_id", Uuid()),
            ("user_id", Uuid()),
            ("role", Text()),
            ("org_account_visibility", Text()),
        )
    }
    # Typed as ids for the predicates; they only compare them in SQL (as ``parametrized``).
    viewer = Principal(
        user_id=cast(uuid.UUID, checked["user_id"]),
        org_id=cast(uuid.UUID, checked["org_id"]),
        role="member",
    )
    member = checked["role"].is_distinct_from("admin")  # what makes the principal a member
    restricted = checked["org_account_visibility"].is_distinct_from("open")
    pair = postgresql.array([FieldSecurity.object_type, FieldSecurity.field])
    hidden = select(func.array_agg(pair)).where(visible_field_security(viewer))
    statement = select(
        case((and_(member, restricted), book_sample(viewer)), else_=null()).label(_BOOK),
        case((member, hidden.scalar_subquery()), else_=null()).label(_HIDDEN),
    )
    # Only our constants are bound (the sample's LIMIT, the role and mode names): inlined.
    dialect = postgresql.asyncpg.dialect()  # type: ignore[no-untyped-call]  # untyped stubs
    compiled_sql = statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    return ReadAlong(compiled_sql.string, (_BOOK, _HIDDEN))


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
