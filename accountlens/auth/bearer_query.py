"""The query behind every bearer request: check the token, note its use, count it, in one go.

The connection's org row comes back too (:class:`~accountlens.auth.principal.OrgFacts`), so the
request's reader does not read it again.

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

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from accountlens.auth.options import RateLimit
from accountlens.auth.principal import NOT_NARROWED, Narrowing, OrgFacts
from accountlens.db.models import GLOBAL_ORG_ID

_SALT = text(
    "SELECT token_salt FROM connections "
    "WHERE org_id = CAST(:org_id AS uuid) AND id = CAST(:connection_id AS uuid)"
)

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


def connection_bucket(connection_id: uuid.UUID) -> str:
    """The rate-limit bucket of one connection's MCP requests."""
    return f"mcp:{connection_id.hex}"


def window_start(moment: datetime, window: timedelta) -> datetime:
    """The start of the fixed window ``moment`` falls in."""
    seconds = int(window.total_seconds())
    return datetime.fromtimestamp(int(moment.timestamp()) // seconds * seconds, UTC)


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
    window = window_start(moment, limit.window) if limit is not None else moment
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
    if row is None:
        return None
    return AccessRow(
        org_id=row.org_id,
        id=row.id,
        user_id=row.user_id,
        client_id=row.client_id,
        scope=row.scope,
        resource=row.resource,
        token_hash=bytes(row.token_hash),
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        role=row.role,
        email=row.email,
        name=row.name,
        user_active=bool(row.user_active),
        accepted=bool(row.accepted),
        hits=row.hits,
        kind=row.kind,
        narrowing=Narrowing.stored(row.narrowed_types, row.exclude_transcripts, row.exclude_kb),
        org=None
        if row.org_name is None
        else OrgFacts(
            name=row.org_name,
            slug=row.org_slug,
            timezone=row.org_timezone,
            account_visibility=row.org_account_visibility,
        ),
    )
