"""Custom object types and instances, groups (segments and lists), property definitions."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from accountlens.db.models.base import Record, org_fk, prefix_index, trigram_index


class CustomObjectType(Record):
    """An org-defined object type; its fields are ``PropertyDefinition`` rows."""

    __tablename__ = "custom_object_types"
    __table_args__ = (
        UniqueConstraint("org_id", "key"),
        UniqueConstraint("org_id", "external_id"),
        CheckConstraint("key ~ '^[a-z][a-z0-9_]{0,62}$'", name="key_format"),
    )

    key: Mapped[str] = mapped_column(Text, nullable=False)
    label: Mapped[str] = mapped_column(Text, nullable=False)
    label_plural: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)


class CustomObjectInstance(Record):
    """A row of a custom object type. Field values live in ``custom``."""

    __tablename__ = "custom_object_instances"
    __table_args__ = (
        UniqueConstraint("org_id", "external_id"),
        org_fk("type_id", "custom_object_types"),
        org_fk("account_id", "accounts", nullable=True),
        Index(None, "org_id", "type_id"),
        Index(None, "org_id", "account_id"),
        trigram_index("custom_object_instances", "name"),
        prefix_index("custom_object_instances", "name"),
    )

    type_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    account_id: Mapped[uuid.UUID | None] = mapped_column()
    name: Mapped[str] = mapped_column(Text, nullable=False)


class Group(Record):
    """A named set of people or of accounts: a segment ("At Risk") or a list ("Champions")."""

    __tablename__ = "groups"
    __table_args__ = (
        UniqueConstraint("org_id", "name"),
        UniqueConstraint("org_id", "external_id"),
        CheckConstraint("kind IN ('segment', 'list')", name="kind"),
        CheckConstraint("member_type IN ('account', 'person')", name="member_type"),
        trigram_index("groups", "name"),
        prefix_index("groups", "name"),
    )

    name: Mapped[str] = mapped_column(Text, nullable=False)
    kind: Mapped[str] = mapped_column(Text, nullable=False)
    member_type: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)


class GroupMember(Record):
    """Membership of one account or one person (exactly one is set) in a group."""

    __tablename__ = "group_members"
    __table_args__ = (
        org_fk("group_id", "groups"),
        org_fk("account_id", "accounts"),
        org_fk("person_id", "people"),
        CheckConstraint("num_nonnulls(account_id, person_id) = 1", name="one_member"),
        UniqueConstraint("org_id", "group_id", "account_id"),
        UniqueConstraint("org_id", "group_id", "person_id"),
        UniqueConstraint("org_id", "external_id"),
        Index(None, "org_id", "account_id"),
        Index(None, "org_id", "person_id"),
    )

    group_id: Mapped[uuid.UUID] = mapped_column(nullable=False)
    account_id: Mapped[uuid.UUID | None] = mapped_column()
    person_id: Mapped[uuid.UUID | None] = mapped_column()


PROPERTY_DATA_TYPES = (
    "string",
    "text",
    "integer",
    "number",
    "money",
    "boolean",
    "date",
    "datetime",
    "enum",
    "reference",
)


class PropertyDefinition(Record):
    """A standard or custom field of an object type, as ``search_properties`` reports it.

    ``object_type`` is a built-in type (``account``, ``person`` …) or ``custom:<key>`` for a
    custom object type.
    """

    __tablename__ = "property_definitions"
    __table_args__ = (
        UniqueConstraint("org_id", "object_type", "key"),
        UniqueConstraint("org_id", "external_id"),
        CheckConstraint(
            "data_type IN (" + ", ".join(f"'{t}'" for t in PROPERTY_DATA_TYPES) + ")",
            name="data_type",
        ),
    )

    object_type: Mapped[str] = mapped_column(Text, nullable=False)
    key: Mapped[str] = mapped_column(Text, nullable=False)
    label: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    data_type: Mapped[str] = mapped_column(Text, nullable=False)
    allowed_values: Mapped[list[Any] | None] = mapped_column(JSONB)
    is_custom: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    filterable: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    sortable: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    position: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
