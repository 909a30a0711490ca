"""Row-level security: the database's own guarantee that a transaction sees one org.

The resolvers already scope every query to the caller's org and visibility (``resolvers/
visibility.py``); this is the second wall behind them. Each customer-data table has a policy
that admits only rows whose ``org_id`` equals the transaction's ``accountlens.org_id`` setting,
which the reader sets with ``SET LOCAL`` from the principal before every statement.
With no setting, the policy admits nothing.

Policies bind only roles that neither own the tables nor bypass RLS, so the app connects as
such a role (:data:`APP_ROLE` on the embedded server, the ``DATABASE_URL`` user elsewhere) and
migrations, demo builds and imports run as the owner. The app role may only *read* customer
data and the identity tables, and writes only the auth tables (:mod:`accountlens.db.grants`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping

from sqlalchemy import Text, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from accountlens.db.grants import (
    COLUMN_PRIVILEGES,
    FUNCTION_PRIVILEGES,
    HIDDEN_COLUMNS,
    privileges_for,
)
from accountlens.db.schema_lock import hold_schema_lock

log = logging.getLogger(__name__)

#: The transaction setting the policies compare ``org_id`` with.
ORG_SETTING = "accountlens.org_id"

#: The login role the app uses on the embedded server (created there by the owner).
APP_ROLE = "accountlens_app"


async def bind_org(
    connection: AsyncConnection, org_id: uuid.UUID, settings: Mapping[str, str] | None = None
) -> None:
    """Scope the connection's current transaction to ``org_id`` (reverts at its end).

    ``settings`` are further transaction-local settings (``hnsw.ef_search`` …), set in the
    same round trip. ``accountlens_bind`` (migration 0021) issues one ``SET LOCAL`` per
    setting: unlike ``set_config``, Citus sends those to the workers, whose row-level security
    must see the org too. Its arguments are parameters, so the statement is one cached text.
    """
    values = {ORG_SETTING: str(org_id), **(settings or {})}
    await connection.execute(_BIND, {"names": list(values), "vals": list(values.values())})


_BIND = text("SELECT accountlens_bind(:names, :vals)").bindparams(
    bindparam("names", type_=ARRAY(Text())), bindparam("vals", type_=ARRAY(Text()))
)


def begin_bound_sql(org_id: uuid.UUID, settings: Mapping[str, str] | None = None) -> str:
    """``BEGIN`` and :func:`bind_org`'s settings as one simple-protocol string (one round trip).

    For a raw asyncpg connection: a parameterless ``execute`` may carry several commands, so
    opening the transaction and scoping it to the org cost one round trip instead of two. The
    values are inlined as literals, so only our own are accepted: a ``uuid.UUID`` (hex digits
    and dashes) and settings from our configuration, quoted.
    """
    if not isinstance(org_id, uuid.UUID):
        raise TypeError("the org to bind must be a uuid.UUID")
    values = {ORG_SETTING: str(org_id), **(settings or {})}
    # Through accountlens_bind, as bind_org: its SET LOCAL reaches Citus workers, set_config not.
    names = ", ".join(_literal(n) for n in values)
    vals = ", ".join(_literal(v) for v in values.values())
    return f"BEGIN; SELECT accountlens_bind(ARRAY[{names}]::text[], ARRAY[{vals}]::text[])"


def _literal(value: str) -> str:
    # standard_conforming_strings is on (the default since PostgreSQL 9.1): only ' needs doubling.
    if "\\" in value or "\x00" in value:
        raise ValueError("a setting with a backslash or NUL is not inlined")
    return "'" + value.replace("'", "''") + "'"


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


async def ensure_login_role(owner: AsyncEngine, role: str) -> None:
    """Create the login role ``role`` if it is missing (embedded server only).

    The embedded server's socket uses ``trust`` authentication, so the role needs no password.
    On an external server the operator creates the app role, with a password, and we only grant.
    """
    async with owner.begin() as conn:
        exists = await conn.scalar(
            text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
        )
        if not exists:
            log.info("creating database role %s", role)
            await conn.execute(
                text(f"CREATE ROLE {_quoted(role)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB")
            )


async def grant_app_role(owner: AsyncEngine, role: str) -> None:
    """Give ``role`` what the app needs, and nothing more (idempotent; run after migrations).

    The privileges are the allowlist in :mod:`accountlens.db.grants`.
    """
    name = _quoted(role)
    async with owner.begin() as conn:
        await hold_schema_lock(conn)  # two processes granting at once collide on the catalog
        await conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {name}"))
        tables = await conn.execute(
            text(
                "SELECT c.relname, c.relrowsecurity FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
            )
        )
        for table, protected in tables.all():
            # REVOKE ALL on a table also revokes its column privileges: a clean slate.
            await conn.execute(text(f"REVOKE ALL ON {_quoted(table)} FROM {name}"))
            privileges = ", ".join(sorted(privileges_for(table, protected=protected)))
            if privileges:
                await conn.execute(text(f"GRANT {privileges} ON {_quoted(table)} TO {name}"))
            if table in HIDDEN_COLUMNS:
                await _grant_readable_columns(conn, table, name)
            for privilege, columns in COLUMN_PRIVILEGES.get(table, {}).items():
                listed = ", ".join(_quoted(c) for c in columns)
                await conn.execute(
                    text(f"GRANT {privilege} ({listed}) ON {_quoted(table)} TO {name}")
                )
        await conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}"))
        for function in FUNCTION_PRIVILEGES:
            await conn.execute(text(f"GRANT EXECUTE ON FUNCTION {function} TO {name}"))


async def _grant_readable_columns(conn: AsyncConnection, table: str, role: str) -> None:
    """Column SELECT on every column of ``table`` but its hidden ones (grants.HIDDEN_COLUMNS)."""
    found = await conn.execute(
        text(
            "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:table AS regclass) "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
        ),
        {"table": f"public.{_quoted(table)}"},
    )
    readable = [c for (c,) in found.all() if c not in HIDDEN_COLUMNS[table]]
    listed = ", ".join(_quoted(c) for c in readable)
    await conn.execute(text(f"GRANT SELECT ({listed}) ON {_quoted(table)} TO {role}"))


async def set_role_statement_timeout(owner: AsyncEngine, role: str, timeout_ms: int) -> bool:
    """Make ``timeout_ms`` the statement timeout of every session of ``role``; False if refused.

    A role setting is applied by the server itself at login, so it holds behind PgBouncer in
    transaction mode, which refuses ``statement_timeout`` as a startup parameter. Changing
    another role's settings needs a superuser or (PostgreSQL ≥ 16) ``CREATEROLE`` with admin
    rights on it; without them the operator runs the same statement once (docs/operations.md).
    """
    statement = f"ALTER ROLE {_quoted(role)} SET statement_timeout = {int(timeout_ms)}"
    try:
        async with owner.begin() as conn:
            await conn.execute(text(statement))
    except ProgrammingError:
        log.warning(
            "could not set the statement timeout of role %s (no right to alter it); run once "
            "as an administrator: %s (docs/operations.md, 'PgBouncer')",
            role,
            statement,
        )
        return False
    return True


#: Functions behind the predicates our resolvers send to indexes: trigram similarity (keyword
#: search), ILIKE (``contains``/``starts_with`` filters), full-text match (semantic search),
#: JSONB containment (custom fields), ``lower`` and numeric comparisons (filters).
#:
#: Under row-level security PostgreSQL evaluates the policy before any function not marked
#: LEAKPROOF, and so cannot use such a function's predicate as an index condition: keyword
#: search fell from a trigram index scan to a full scan of the org (people, large preset:
#: 48 ms vs 1,460 ms). LEAKPROOF promises the function reveals nothing about its arguments
#: except through its result (no value-dependent errors). That matters against users who
#: write their own SQL; ours never do (every statement is ours, user input is bound as
#: parameters), so declaring these trusted costs no isolation. Only a superuser may do it;
#: elsewhere the app still works, with slower search (see docs/operations.md).
TRUSTED_FUNCTIONS = (
    "similarity_op(text, text)",
    "word_similarity_op(text, text)",
    "word_similarity_commutator_op(text, text)",
    "strict_word_similarity_op(text, text)",
    "strict_word_similarity_commutator_op(text, text)",
    "textlike(text, text)",
    "texticlike(text, text)",
    "ts_match_vq(tsvector, tsquery)",
    "jsonb_contains(jsonb, jsonb)",
    "lower(text)",
    "numeric_eq(numeric, numeric)",
    "numeric_ne(numeric, numeric)",
    "numeric_lt(numeric, numeric)",
    "numeric_le(numeric, numeric)",
    "numeric_gt(numeric, numeric)",
    "numeric_ge(numeric, numeric)",
)


#: pg_trgm's boolean operators (``%``, ``%>``, ``<%``) with what a call really costs. pg_trgm
#: declares them at one plain operator, while each call builds and compares two trigram sets
#: (microseconds). Given keyword search's ``OR`` of several, the planner then preferred reading
#: every row of the org through the ``org_id`` part of a trigram index and filtering it (5.4k
#: contracts per search on the medium preset, 54k on the large one, for no match: 30 ms and
#: 490 ms) over the trigram conditions themselves. Set with the LEAKPROOF mark, by the same
#: superuser, each start: a restored dump (``CREATE EXTENSION``) gets it back.
COSTED_FUNCTIONS = {
    "similarity_op(text, text)": 100,
    "word_similarity_op(text, text)": 100,
    "word_similarity_commutator_op(text, text)": 100,
}


async def trust_search_functions(owner: AsyncEngine) -> bool:
    """Mark :data:`TRUSTED_FUNCTIONS` LEAKPROOF and give :data:`COSTED_FUNCTIONS` their cost;
    False when the owner is not a superuser."""
    async with owner.begin() as conn:
        await hold_schema_lock(conn)
        superuser = await conn.scalar(
            text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        )
        if not superuser:
            return False
        for function in TRUSTED_FUNCTIONS:
            cost = COSTED_FUNCTIONS.get(function)
            costed = f" COST {cost}" if cost else ""
            await conn.execute(text(f"ALTER FUNCTION {function} LEAKPROOF{costed}"))
    return True


async def row_security_enforced(engine: AsyncEngine) -> bool:
    """True when policies bind the engine's role: not a superuser, no BYPASSRLS, not the owner."""
    async with engine.connect() as conn:
        found = await conn.execute(
            text(
                "SELECT r.rolsuper OR r.rolbypassrls AS bypasses, "
                "pg_has_role(current_user, c.relowner, 'USAGE') AS owns "
                "FROM pg_roles r, pg_class c "
                "WHERE r.rolname = current_user AND c.oid = 'public.accounts'::regclass"
            )
        )
        row = found.one_or_none()
    return row is not None and not row.bypasses and not row.owns
