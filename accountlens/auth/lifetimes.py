"""How long a new connection may live: the consent page's expiry choices and their ceiling.

A person picks 30, 90 or 365 days on the consent page; the org's token lifetime ceiling caps
the choice. :func:`lifetime_ceiling_days` is the one place the ceiling is read, so an org
setting can take over from the installation-wide default (``ACCOUNTLENS_ACCESS_TOKEN_TTL_DAYS``)
without touching the consent flow.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from accountlens.auth.options import AuthOptions
from accountlens.db.models import Org

#: The expiries offered on the consent page, in days (those above the ceiling are not offered).
LIFETIME_CHOICES = (30, 90, 365)


async def lifetime_ceiling_days(
    session: AsyncSession, options: AuthOptions, org_id: uuid.UUID
) -> int:
    """The longest a connection (or service token) of ``org_id`` may live, in days: the
    installation's lifetime, or the org's ceiling (*Admin → Org settings*) when that is lower."""
    deployment = max(1, options.access_token_ttl.days)
    org_days = await session.scalar(select(Org.token_lifetime_days).where(Org.id == org_id))
    return min(deployment, org_days) if org_days else deployment


def lifetime_choices(ceiling: int) -> tuple[int, ...]:
    """The expiries to offer under ``ceiling``; the ceiling itself when all are above it."""
    return tuple(d for d in LIFETIME_CHOICES if d <= ceiling) or (ceiling,)


def default_lifetime(options: AuthOptions, ceiling: int) -> int:
    """The preselected expiry: the installation's token lifetime, capped by the ceiling."""
    return min(max(1, options.access_token_ttl.days), ceiling)
