"""Service tokens: an admin's read-only token for an internal app that calls ``/graphql``.

A service token is a row of ``connections`` with ``kind = 'service'``: the same ``alk_`` format,
checksum and salted HMAC as an MCP connection's token (:mod:`accountlens.auth.tokens`), the same
per-request check (revocation and expiry bite on the next request), listed and revoked beside
the connections. It differs in two ways:

* **Audience.** It is bound to the GraphQL endpoint (``<public URL>/graphql``), not to ``/mcp``:
  MCP tokens are audience-bound to the MCP resource (RFC 8707) and come from the OAuth flow a
  person approves; a service token presented at ``/mcp`` is refused like any token issued for
  another resource.
* **Whom it acts as.** The admin who created it (``user_id``). It reads what that admin may
  read *now*: the check reads the user's role and state on every request, so disabling the
  admin stops the token, and no new kind of principal needs its own visibility rules. Like
  every token it is read-only: a mutation is refused before execution (``READ_ONLY_TOKEN``).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from accountlens.auth import repository, tokens
from accountlens.auth.api import IssuedServiceToken
from accountlens.auth.lifetimes import lifetime_ceiling_days
from accountlens.auth.options import READ_SCOPE, AuthOptions
from accountlens.auth.principal import Principal
from accountlens.db.models import Connection

#: The ``client_id`` of every service token's row (no OAuth client stands behind it).
SERVICE_CLIENT_ID = "accountlens-service-token"
#: The longest name an app may be given.
MAX_NAME = 80


def clean_name(name: str) -> str | None:
    """The app's name, trimmed; None when empty, too long or holding control characters."""
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_NAME or not cleaned.isprintable():
        return None
    return cleaned


async def create(
    session: AsyncSession,
    options: AuthOptions,
    principal: Principal,
    name: str,
    lifetime_days: int,
) -> IssuedServiceToken | None:
    """A new service token acting as ``principal`` (a signed-in admin), or None.

    The lifetime is capped by the org's ceiling. Caller commits.
    """
    if not principal.is_admin or principal.via_token:
        return None
    ceiling = await lifetime_ceiling_days(session, options, principal.org_id)
    days = max(1, min(lifetime_days, ceiling))
    issued = tokens.issue(tokens.ACCESS_TOKEN_PREFIX, options.secret_key, principal.org_id)
    moment = repository.now()
    row = Connection(
        org_id=principal.org_id,
        id=issued.row_id,
        user_id=principal.user_id,
        kind="service",
        client_id=SERVICE_CLIENT_ID,
        client_name=name,
        redirect_host="",
        scope=READ_SCOPE,
        resource=options.graphql_resource,
        token_salt=issued.salt,
        token_hash=issued.digest,
        created_at=moment,
        expires_at=moment + timedelta(days=days),
    )
    session.add(row)
    await session.flush()
    return IssuedServiceToken(id=row.id, token=issued.value, expires_at=row.expires_at)
