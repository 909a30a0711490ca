"""Contracts: the agreements an account has signed, with their term, value and renewal terms."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Index, Numeric, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from accountlens.db.models.base import Record, org_fk, prefix_index, trigram_index

CONTRACT_STATUSES = ("draft", "active", "expired", "terminated")


class Contract(Record):
    """A contract of an account: visible exactly when its account is."""

    __tablename__ = "contracts"
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        org_fk("account_id", "accounts"),
        CheckConstraint("status IN ('draft', 'active', 'expired', 'terminated')", name="status"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="term"),
        Index(None, "org_id", "account_id", "end_date"),
        trigram_index("contracts", "name"),
        prefix_index("contracts", "name"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(Text, nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date | None] = mapped_column(Date)
    value_amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    value_currency: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'USD'"))
    renewal_terms: Mapped[str | None] = mapped_column(Text)
