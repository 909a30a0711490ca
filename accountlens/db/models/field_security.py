"""Field-level security: which fields of an object type members of an org may not see."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from accountlens.db.models.base import Base


class FieldSecurity(Base):
    """One row per hidden field: ``(org, object type, field key)``, set by an admin.

    ``field`` is a standard field key (``arr_amount``) or a custom property key
    (``churn_risk``); a row means members of the org never see it. Admins always do.
    """

    __tablename__ = "field_security"

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True
    )
    object_type: Mapped[str] = mapped_column(Text, primary_key=True)
    field: Mapped[str] = mapped_column(Text, primary_key=True)
    hidden_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    hidden_by: Mapped[uuid.UUID | None] = mapped_column()
