"""When each data source of an org was last imported (for freshness in answers)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from accountlens.db.models.base import Base


class DataSource(Base):
    """One row per org and source (``jsonl``, ``csv``, ``salesforce`` …), moved by each import
    that wrote anything or found everything up to date (not by dry runs)."""

    __tablename__ = "data_sources"

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(Text, primary_key=True)
    last_imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
