"""Declarative base and the columns every customer-data table shares.

Every table carries ``org_id`` and every primary key, unique key and btree index leads with it,
so the schema can be distributed by ``org_id`` (Citus) unchanged. References between records are
composite ``(org_id, <ref>_id)`` foreign keys: a row can never point at another org's record.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    MetaData,
    Text,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class OrgScoped(Base):
    """``org_id`` + ``id`` primary key and timestamps."""

    __abstract__ = True

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True, sort_order=-20
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4, sort_order=-19)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False, sort_order=20
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        server_default=func.now(),
        onupdate=func.now(),
        nullable=False,
        sort_order=21,
    )


class Record(OrgScoped):
    """A customer-data record: importable by ``external_id``, extensible by ``custom`` fields."""

    __abstract__ = True

    external_id: Mapped[str | None] = mapped_column(Text, sort_order=10)
    custom: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, default=dict, server_default=text("'{}'::jsonb"), sort_order=11
    )


def org_fk(column: str, table: str, *, nullable: bool = False) -> ForeignKeyConstraint:
    """A composite foreign key ``(org_id, column) -> table(org_id, id)``.

    Required references cascade. Optional ones take no action: deleting a target that is
    still referenced fails, and whoever deletes clears the references first, in the same
    transaction (:func:`accountlens.ingest.importer.references.clear_references`). They used to say
    ``ON DELETE SET NULL (column)``, which Citus refuses on any key that includes the
    distribution column (migration 0021).
    """
    ondelete = None if nullable else "CASCADE"
    return ForeignKeyConstraint(
        ["org_id", column], [f"{table}.org_id", f"{table}.id"], ondelete=ondelete
    )


def trigram_index(table: str, column: str) -> Index:
    """A trigram GIN index for typo-tolerant search, led by ``org_id`` (needs btree_gin)."""
    return Index(
        f"ix_{table}_{column}_trgm",
        "org_id",
        column,
        postgresql_using="gin",
        postgresql_ops={column: "gin_trgm_ops"},
    )


def prefix_index(table: str, column: str) -> Index:
    """A btree over the lowered name in byte order (``text_pattern_ops``), led by ``org_id``:
    keyword search reads the names starting with the query as one range of it
    (``resolvers/search.py`` ``_name_prefix``, migration 0025)."""
    lowered = f"{column}_lowered"
    return Index(
        f"ix_{table}_{column}_prefix",
        "org_id",
        literal_column(f"lower({column})").label(lowered),
        postgresql_ops={lowered: "text_pattern_ops"},
    )
