"""Product usage: daily rollups per account, per person and per feature."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Date, Integer, text
from sqlalchemy.orm import Mapped, mapped_column

from accountlens.db.models.base import Base, org_fk


class _Counts:
    events: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    minutes: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))


class AccountUsageDaily(_Counts, Base):
    """One account's usage on one day, with its seat picture."""

    __tablename__ = "usage_account_daily"
    __table_args__ = (org_fk("account_id", "accounts"),)

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    active_users: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    licensed_seats: Mapped[int | None] = mapped_column(Integer)
    active_seats: Mapped[int | None] = mapped_column(Integer)


class PersonUsageDaily(_Counts, Base):
    __tablename__ = "usage_person_daily"
    __table_args__ = (org_fk("person_id", "people"), org_fk("account_id", "accounts"))

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(nullable=False)


class FeatureUsageDaily(_Counts, Base):
    __tablename__ = "usage_feature_daily"
    __table_args__ = (org_fk("account_id", "accounts"),)

    org_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    feature: Mapped[str] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    active_users: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
