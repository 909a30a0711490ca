"""Freshness: when each of the org's data sources was last imported."""

from __future__ import annotations

from sqlalchemy import select

from accountlens.db.models import DataSource
from accountlens.resolvers.reader import Reader, Row
from accountlens.resolvers.visibility import visible_data_sources


async def data_sources(reader: Reader) -> list[Row]:
    """``source`` and ``last_imported_at`` of every source loaded into the caller's org."""
    statement = (
        select(DataSource.source, DataSource.last_imported_at)
        .where(visible_data_sources(reader.principal))
        .order_by(DataSource.source)
    )
    return await reader.rows(statement, plan="generic")  # the org's few rows, whatever the org
