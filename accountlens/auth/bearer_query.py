"""The queries behind every bearer request: check the token, note its use, count it.

Two forms. :func:`check_in_transaction` runs inside the request's own transaction (reads on the
primary, :mod:`accountlens.auth.request_unit`): it checks, reads the count so far and binds the
org; :func:`settle_sql` counts the hit, notes last-used and writes the audit row at the end.
:func:`check_access` (with a read replica) does check, count and note in one autocommit
statement on the primary, as described below.

The connection's org row comes back too (:class:`~accountlens.auth.principal.OrgFacts`), so the
request's reader does not read it again. In the request's transaction the layers above may add
columns of their own to the check (:class:`ReadAlong`: a member's book and the org's hidden
fields), read in the same statement once the token is accepted and the transaction bound.

A request to ``/mcp`` used to cost four statements in three transactions before any customer
data was read (the connection row, the user, the rate-limit bucket, sometimes last-used). Here
that is one statement in autocommit: data-modifying CTEs bump the connection's rate-limit bucket
and its last-used time only when the presented digest matches and the connection is live, and
the row comes back either way so the caller can say why a token was refused. Revocation,
expiry and the user's state are read in that same statement on every request, so a revocation
bites on the very next request on every replica.

The stored digest is keyed by a per-row salt, so the first request a process sees for a
connection also reads the salt (:func:`token_salt`); the verifier keeps salts, which never change
for a row, and nothing else.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from accountlens.auth.options import RateLimit
from accountlens.auth.principal import NOT_NARROWED, Narrowing, OrgFacts
from accountlens.db.models import GLOBAL_ORG_ID

_SALT = text(
    "SELECT token_salt FROM connections "
    "WHERE org_id = CAST(:org_id AS uuid) AND id = CAST(:connection_id AS uuid)"
)

#: :data:`_SALT` in the request's transaction (asyncpg text).
SALT_IN_TRANSACTION = "SELECT token_salt FROM connections WHERE org_id = $1::uuid AND id = $2::uuid"

# ``accepted`` gates every write: a wrong secret, a revoked or expired token, another resource
# or a disabled user change nothing. ``pruned`` drops the bucket's older windows once per window
# (when this hit opened a new one). All CTEs see one snapshot; ``pruned`` reads ``counted``'s
# RETURNING rows, which is how a data-modifying CTE may depend on another.
_CHECK = text(
    """
    WITH presented AS (
        SELECT c.org_id, c.id, c.user_id, c.client_id, c.scope, c.resource, c.token_hash,
               c.expires_at, c.revoked_at, c.kind, c.narrowed_types, c.exclude_transcripts,
               c.exclude_kb, u.role, u.email, u.name,
               coalesce(u.is_active, false) AS user_active,
               o.name AS org_name, o.slug AS org_slug, o.timezone AS org_timezone,
               o.account_visibility AS org_account_visibility,
               (c.token_hash = CAST(:digest AS bytea)
                AND c.revoked_at IS NULL
                AND c.expires_at > CAST(:moment AS timestamptz)
                AND rtrim(c.resource, '/') = ANY(CAST(:resources AS text[]))
                AND coalesce(u.is_active, false)) AS accepted
        FROM connections c
        LEFT JOIN users u ON u.org_id = c.org_id AND u.id = c.user_id
        LEFT JOIN orgs o ON o.id = c.org_id
        WHERE c.org_id = CAST(:org_id AS uuid) AND c.id = CAST(:connection_id AS uuid)
    ),
    touched AS (
        UPDATE connections c SET last_used_at = CAST(:moment AS timestamptz)
        FROM presented p
        WHERE p.accepted AND c.org_id = p.org_id AND c.id = p.id
          AND (c.last_used_at IS NULL OR c.last_used_at < CAST(:stale_before AS timestamptz))
        RETURNING c.id
    ),
    counted AS (
        INSERT INTO rate_limit_buckets AS b (org_id, bucket, window_start, hits)
        SELECT CAST(:global_org AS uuid), CAST(:bucket AS text),
               CAST(:window_start AS timestamptz), 1
        FROM presented p
        WHERE p.accepted AND CAST(:bucket AS text) IS NOT NULL
        ON CONFLICT (org_id, bucket, window_start) DO UPDATE SET hits = b.hits + 1
        RETURNING b.hits
    ),
    pruned AS (
        DELETE FROM rate_limit_buckets b
        WHERE b.org_id = CAST(:global_org AS uuid) AND b.bucket = CAST(:bucket AS text)
          AND b.window_start < CAST(:window_start AS timestamptz)
          AND EXISTS (SELECT 1 FROM counted WHERE counted.hits = 1)
    )
    SELECT p.*, (SELECT hits FROM counted) AS hits FROM presented p
    """
)


@dataclass(frozen=True, slots=True)
class AccessRow:
    """The connection and its user as the check saw them, and what the check changed."""

    org_id: uuid.UUID
    id: uuid.UUID
    user_id: uuid.UUID
    client_id: str
    scope: str
    resource: str
    token_hash: bytes
    expires_at: datetime
    revoked_at: datetime | None
    role: str | None
    email: str | None
    name: str | None
    user_active: bool
    accepted: bool
    hits: int | None
    """Hits in the current window including this one; None when nothing was counted."""
    org: OrgFacts | None = None
    """The connection's org row, read in the same statement (the reader needs it next)."""
    kind: str = "oauth"
    """``oauth`` (an MCP connection) or ``service`` (an internal app's token)."""
    narrowing: Narrowing = NOT_NARROWED
    plans_generic: bool = False
    """The check set ``force_generic_plan`` for the transaction (:data:`_GENERIC`)."""


def connection_bucket(connection_id: uuid.UUID) -> str:
    """The rate-limit bucket of one connection's MCP requests."""
    return f"mcp:{connection_id.hex}"


async def token_salt(
    conn: AsyncConnection, org_id: uuid.UUID, connection_id: uuid.UUID
) -> bytes | None:
    """The salt of a connection's stored digest, or None when there is no such connection."""
    found = await conn.scalar(_SALT, {"org_id": org_id, "connection_id": connection_id})
    return bytes(found) if found is not None else None


async def check_access(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    connection_id: uuid.UUID,
    digest: bytes,
    resources: tuple[str, ...],
    moment: datetime,
    last_used_resolution: timedelta,
    limit: RateLimit | None = None,
) -> AccessRow | None:
    """Check a presented digest and, when it is accepted, note the use and count the hit.

    With a ``limit``, the hit counts in the connection's bucket (:func:`connection_bucket`) in
    the limit's fixed window. None when the connection does not exist. Run it in autocommit: it
    is one atomic statement. The token must be bound to one of ``resources`` (RFC 8707).
    """
    window = limit.current_window()[0] if limit is not None else moment
    row = (
        await conn.execute(
            _CHECK,
            {
                "org_id": org_id,
                "connection_id": connection_id,
                "digest": digest,
                "moment": moment,
                "resources": [r.rstrip("/") for r in resources],
                "stale_before": moment - last_used_resolution,
                "global_org": GLOBAL_ORG_ID,
                "bucket": connection_bucket(connection_id) if limit is not None else None,
                "window_start": window,
            },
        )
    ).first()
    return None if row is None else _access_row(row._mapping, row.hits)


def _access_row(
    row: Mapping[Any, Any], hits: int | None, along: Mapping[str, Any] | None = None
) -> AccessRow:
    return AccessRow(
        org_id=row["org_id"],
        id=row["id"],
        user_id=row["user_id"],
        client_id=row["client_id"],
        scope=row["scope"],
        resource=row["resource"],
        token_hash=bytes(row["token_hash"]),
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        role=row["role"],
        email=row["email"],
        name=row["name"],
        user_active=bool(row["user_active"]),
        accepted=bool(row["accepted"]),
        hits=hits,
        kind=row["kind"],
        narrowing=Narrowing.stored(
            row["narrowed_types"], row["exclude_transcripts"], row["exclude_kb"]
        ),
        org=None
        if row["org_name"] is None
        else OrgFacts(
            name=row["org_name"],
            slug=row["org_slug"],
            timezone=row["org_timezone"],
            account_visibility=row["org_account_visibility"],
            along=along,
        ),
    )


# The request's own transaction (``accountlens.auth.request_unit``): asyncpg text, ``$n``
# placeholders, every parameter cast (asyncpg sends it with the type the server infers).

# The check's parts (also those of :func:`check_sql` with columns read along).
_PRESENTED = """
    SELECT c.org_id, c.id, c.user_id, c.client_id, c.scope, c.resource, c.token_hash,
           c.expires_at, c.revoked_at, c.kind, c.narrowed_types, c.exclude_transcripts,
           c.exclude_kb, u.role, u.email, u.name,
           coalesce(u.is_active, false) AS user_active,
           o.name AS org_name, o.slug AS org_slug, o.timezone AS org_timezone,
           o.account_visibility AS org_account_visibility,
           (c.token_hash = $3::bytea
            AND c.revoked_at IS NULL
            AND c.expires_at > $4::timestamptz
            AND rtrim(c.resource, '/') = ANY($5::text[])
            AND coalesce(u.is_active, false)) AS accepted
    FROM connections c
    LEFT JOIN users u ON u.org_id = c.org_id AND u.id = c.user_id
    LEFT JOIN orgs o ON o.id = c.org_id
    WHERE c.org_id = $1::uuid AND c.id = $2::uuid
"""
_HITS_SO_FAR = """(SELECT b.hits FROM rate_limit_buckets b
        WHERE b.org_id = $6::uuid AND b.bucket = $7::text
          AND b.window_start = $8::timestamptz)"""
_BOUND = """CASE WHEN p.accepted
            THEN accountlens_bind(ARRAY['accountlens.org_id'], ARRAY[p.org_id::text])::text
       END"""
#: What the check with columns read along sets for an accepted token's transaction besides the
#: binding: statements that take a generic plan (:data:`PLAN_MODES` change it; see
#: ``request_unit``, *Plans*). Single node only, as reading along: on Citus a generic plan of the
#: coordinator read no rows of a member's accounts (``tests/db/test_citus.py``).
_GENERIC = """CASE WHEN checked.bound IS NOT NULL
            THEN set_config('plan_cache_mode', 'force_generic_plan', true)
       END"""
#: Another plan choice for the rest of the transaction (simple protocol, transaction-local:
#: no session ``SET`` is made, for PgBouncer's transaction mode). ``usual``: ``DEFAULT``, the
#: value the session would have without any ``SET`` (the server's, database's or role's
#: configuration); ``custom``: planned with each execution's values.
PlanMode = Literal["generic", "usual", "custom"]
PLAN_MODES: dict[PlanMode, str] = {
    "usual": "SET LOCAL plan_cache_mode TO DEFAULT",
    "custom": "SET LOCAL plan_cache_mode TO force_custom_plan",
}
# The checked row: the presented connection, its window's count so far, the binding.
_CHECKED = f"SELECT p.*, {_HITS_SO_FAR} AS hits_so_far, {_BOUND} AS bound FROM presented p"  # noqa: S608 (our own constant parts, no value)
#: The check inside a request's transaction: the same verdict as :data:`_CHECK`, the count of
#: the connection's current window *read* (no row lock: see ``request_unit``), and, when the
#: token is accepted, the transaction bound to the connection's org. ``MATERIALIZED`` keeps
#: the binding out of the scan of ``connections``: on Citus that scan is pushed to a worker,
#: and the binding must run where the transaction is (the coordinator), which forwards it.
CHECK_IN_TRANSACTION = f"""
WITH presented AS MATERIALIZED ({_PRESENTED})
{_CHECKED}
"""


@dataclass(frozen=True, slots=True)
class ReadAlong:
    """Columns a layer above reads in the check's own statement, for the request to come.

    ``sql`` is a ``SELECT`` without ``FROM`` and without parameters whose expressions may use
    the checked row's columns as ``checked.<column>`` (:data:`CHECKED_COLUMNS`); ``names``
    are its column names. The check runs it after the token was accepted and the transaction
    bound to the connection's org, so row-level security admits that org's rows; for a
    refused token it runs not at all. Auth knows nothing of what the columns mean: the
    values land on :attr:`~accountlens.auth.principal.OrgFacts.along` as they came.

    Built above (``accountlens.resolvers.reader.read_along``: the reader's rules stay
    there, auth may not import them) and handed down by the app (``accountlens.app``).
    """

    sql: str
    names: tuple[str, ...]


#: Whether the server is a single node (no Citus), where reading along is sound.
SINGLE_NODE = (
    "SELECT NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS single_node"
)

#: What a :class:`ReadAlong` may use of the checked row (``checked.<name>``).
CHECKED_COLUMNS = ("org_id", "user_id", "role", "org_account_visibility")

# With columns read along, the check binds the transaction in a CTE of its own, and the
# columns are read in a LATERAL that depends on that CTE's row: PostgreSQL computes the row
# (and so the binding) before it can evaluate anything that depends on it, so the reads see
# the bound org under row-level security. (Within one select list the order in which
# expressions run is not promised.) The lateral's own WHERE gates it on the binding: nothing is
# read for a refused token. Not on Citus, which would send the reads to a worker before the
# binding reached it (``accountlens.auth.resource`` asks the server once).
_CHECK_ALONG = """
WITH presented AS MATERIALIZED ({presented}),
checked AS MATERIALIZED ({checked})
SELECT checked.*, {generic} AS generic, along.*
FROM checked
LEFT JOIN LATERAL (
    SELECT * FROM ({along}) AS read_along WHERE checked.bound IS NOT NULL
) AS along ON true
"""


@functools.lru_cache(maxsize=8)
def check_sql(along: ReadAlong | None) -> str:
    """:data:`CHECK_IN_TRANSACTION`, or with ``along``'s columns read in it too (one text)."""
    if along is None:
        return CHECK_IN_TRANSACTION
    return _CHECK_ALONG.format(
        presented=_PRESENTED, checked=_CHECKED, generic=_GENERIC, along=along.sql
    )


async def check_in_transaction(
    fetch: Callable[[str, list[Any]], Awaitable[list[Any]]],
    *,
    org_id: uuid.UUID,
    connection_id: uuid.UUID,
    digest: bytes,
    resources: tuple[str, ...],
    moment: datetime,
    bucket: str | None,
    window: datetime,
    along: ReadAlong | None = None,
) -> AccessRow | None:
    """:func:`check_access` inside the caller's transaction, counting nothing yet.

    ``fetch`` runs one statement on the transaction's connection. An accepted token leaves
    the transaction bound to its org (row-level security); ``hits`` is the window's count so
    far *including this request* (the count itself is written by :func:`settle_sql` at the
    end of the request). With ``along``, its columns are read in the same statement (see
    :class:`ReadAlong`). None when the connection does not exist.
    """
    found = await fetch(
        check_sql(along),
        [
            org_id,
            connection_id,
            digest,
            moment,
            [r.rstrip("/") for r in resources],
            GLOBAL_ORG_ID,
            bucket,
            window,
        ],
    )
    if not found:
        return None
    row = found[0]
    hits = None if bucket is None else (row["hits_so_far"] or 0) + 1
    read = {name: row[name] for name in along.names} if along is not None else None
    checked = _access_row(row, hits, read if row["accepted"] else None)
    if along is not None and row["generic"] is not None:
        checked = dataclasses.replace(checked, plans_generic=True)
    return checked


#: The audit row's columns with their types, in the order :func:`settle_arguments` binds them
#: (the keys of ``accountlens.auth.audit``'s rows).
AUDIT_COLUMNS = (
    ("org_id", "uuid"),
    ("id", "uuid"),
    ("called_at", "timestamptz"),
    ("connection_id", "uuid"),
    ("user_id", "uuid"),
    ("client_id", "text"),
    ("tool", "text"),
    ("arguments", "jsonb"),
    ("outcome", "text"),
    ("error_code", "text"),
    ("result_count", "integer"),
    ("latency_ms", "float8"),
    ("record_ids", "text[]"),
)

#: What a request that passed the check leaves behind, written at its end: the hit in its
#: connection's bucket (and the bucket's older windows dropped when this hit opened a new
#: one), last-used when it is older than the resolution, and ``{audited}`` (the request's
#: audit rows, if any). The same as :data:`_CHECK`'s CTEs, without the check.
_SETTLE = """
WITH touched AS (
    UPDATE connections c SET last_used_at = $3::timestamptz
    WHERE c.org_id = $1::uuid AND c.id = $2::uuid
      AND (c.last_used_at IS NULL OR c.last_used_at < $4::timestamptz)
    RETURNING c.id
),
counted AS (
    INSERT INTO rate_limit_buckets AS b (org_id, bucket, window_start, hits)
    SELECT $5::uuid, $6::text, $7::timestamptz, 1 WHERE $6::text IS NOT NULL
    ON CONFLICT (org_id, bucket, window_start) DO UPDATE SET hits = b.hits + 1
    RETURNING b.hits
),
pruned AS (
    DELETE FROM rate_limit_buckets b
    WHERE b.org_id = $5::uuid AND b.bucket = $6::text AND b.window_start < $7::timestamptz
      AND EXISTS (SELECT 1 FROM counted WHERE counted.hits = 1)
){audited}
SELECT (SELECT hits FROM counted) AS hits
"""
_SETTLE_PARAMETERS = 7
_settle_texts: dict[int, str] = {}


@dataclass(frozen=True, slots=True)
class Use:
    """A request that passed the check: what :func:`settle_sql` writes for it at its end."""

    org_id: uuid.UUID
    connection_id: uuid.UUID
    moment: datetime
    stale_before: datetime
    bucket: str | None
    window: datetime


def settle_sql(audit_rows: int) -> str:
    """The statement that counts a request and writes its ``audit_rows`` rows (one text each).

    Only placeholders are formatted in, never a value.
    """
    found = _settle_texts.get(audit_rows)
    if found is not None:
        return found
    audited = ""
    if audit_rows:
        names = ", ".join(name for name, _ in AUDIT_COLUMNS)
        rows = ", ".join(_audit_placeholders(row) for row in range(audit_rows))
        audited = f",\naudited AS (INSERT INTO mcp_tool_calls ({names}) VALUES {rows})"  # noqa: S608
    sql = _SETTLE.format(audited=audited)
    if audit_rows <= 16:  # one tools/call per request: a few texts at most are ever kept
        _settle_texts[audit_rows] = sql
    return sql


def _audit_placeholders(row: int) -> str:
    first = _SETTLE_PARAMETERS + row * len(AUDIT_COLUMNS) + 1
    # JSONB goes as text: the connection's JSONB codec (SQLAlchemy's) is not ours to assume.
    casts = [
        f"CAST(${first + n}::text AS jsonb)" if kind == "jsonb" else f"${first + n}::{kind}"
        for n, (_, kind) in enumerate(AUDIT_COLUMNS)
    ]
    return "(" + ", ".join(casts) + ")"


def settle_arguments(use: Use, audit_rows: Sequence[Mapping[str, Any]] = ()) -> list[Any]:
    """The values of :func:`settle_sql` for ``use`` and its audit rows."""
    values: list[Any] = [
        use.org_id,
        use.connection_id,
        use.moment,
        use.stale_before,
        GLOBAL_ORG_ID,
        use.bucket,
        use.window,
    ]
    for row in audit_rows:
        for name, kind in AUDIT_COLUMNS:
            value = row[name]
            values.append(json.dumps(value) if kind == "jsonb" else value)
    return values
