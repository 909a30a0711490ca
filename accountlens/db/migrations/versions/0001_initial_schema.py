"""Initial schema: every entity of SPEC §3, keyed and indexed by org_id.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 17:04:34.191283
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


EXTENSIONS = ("vector", "pg_trgm", "btree_gin")


def upgrade() -> None:
    # Extensions need a privileged role on managed servers; see docs/operations.md.
    for extension in EXTENSIONS:
        op.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
    op.create_table(
        "orgs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("slug", sa.Text(), nullable=False),
        sa.Column(
            "account_visibility", sa.Text(), server_default=sa.text("'restricted'"), nullable=False
        ),
        sa.Column("timezone", sa.Text(), server_default=sa.text("'UTC'"), nullable=False),
        sa.Column(
            "settings",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "account_visibility IN ('open', 'restricted')", name=op.f("ck_orgs_visibility")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orgs")),
        sa.UniqueConstraint("slug", name=op.f("uq_orgs_slug")),
    )
    op.create_table(
        "custom_object_types",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("label_plural", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "key ~ '^[a-z][a-z0-9_]{0,62}$'", name=op.f("ck_custom_object_types_key_format")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_custom_object_types_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_custom_object_types")),
        sa.UniqueConstraint(
            "org_id", "external_id", name=op.f("uq_custom_object_types_org_id_external_id")
        ),
        sa.UniqueConstraint("org_id", "key", name=op.f("uq_custom_object_types_org_id_key")),
    )
    op.create_table(
        "groups",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("member_type", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("kind IN ('segment', 'list')", name=op.f("ck_groups_kind")),
        sa.CheckConstraint(
            "member_type IN ('account', 'person')", name=op.f("ck_groups_member_type")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_groups_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_groups")),
        sa.UniqueConstraint("org_id", "external_id", name=op.f("uq_groups_org_id_external_id")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_groups_org_id_name")),
    )
    op.create_table(
        "property_definitions",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("object_type", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("data_type", sa.Text(), nullable=False),
        sa.Column("allowed_values", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("is_custom", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("filterable", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("sortable", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("position", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "data_type IN ('string', 'text', 'integer', 'number', 'money', 'boolean', 'date', 'datetime', 'enum', 'reference')",
            name=op.f("ck_property_definitions_data_type"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_property_definitions_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_property_definitions")),
        sa.UniqueConstraint(
            "org_id", "external_id", name=op.f("uq_property_definitions_org_id_external_id")
        ),
        sa.UniqueConstraint(
            "org_id",
            "object_type",
            "key",
            name=op.f("uq_property_definitions_org_id_object_type_key"),
        ),
    )
    op.create_table(
        "teams",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_teams_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_teams")),
        sa.UniqueConstraint("org_id", "external_id", name=op.f("uq_teams_org_id_external_id")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_teams_org_id_name")),
    )
    op.create_table(
        "users",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), server_default=sa.text("'member'"), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("sso_subject", sa.Text(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("role IN ('admin', 'member')", name=op.f("ck_users_role")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_users_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_users")),
        sa.UniqueConstraint("org_id", "email", name=op.f("uq_users_org_id_email")),
        sa.UniqueConstraint("org_id", "external_id", name=op.f("uq_users_org_id_external_id")),
    )
    op.create_table(
        "accounts",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("domain", sa.Text(), nullable=True),
        sa.Column("industry", sa.Text(), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("arr_amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("arr_currency", sa.Text(), server_default=sa.text("'USD'"), nullable=False),
        sa.Column("lifecycle_stage", sa.Text(), nullable=True),
        sa.Column("health_score", sa.Integer(), nullable=True),
        sa.Column("health_trend", sa.Text(), nullable=True),
        sa.Column("renewal_date", sa.Date(), nullable=True),
        sa.Column("licensed_seats", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.Uuid(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "health_trend IN ('up', 'flat', 'down')", name=op.f("ck_accounts_health_trend")
        ),
        sa.CheckConstraint("health_score BETWEEN 0 AND 100", name=op.f("ck_accounts_health_score")),
        sa.ForeignKeyConstraint(
            ["org_id", "owner_id"],
            ["users.org_id", "users.id"],
            name=op.f("fk_accounts_org_id_owner_id_users"),
            ondelete="SET NULL (owner_id)",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "team_id"],
            ["teams.org_id", "teams.id"],
            name=op.f("fk_accounts_org_id_team_id_teams"),
            ondelete="SET NULL (team_id)",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_accounts_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("org_id", "external_id", name=op.f("uq_accounts_org_id_external_id")),
    )
    op.create_index(
        "ix_accounts_domain_trgm",
        "accounts",
        ["org_id", "domain"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"domain": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_accounts_name_trgm",
        "accounts",
        ["org_id", "name"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.create_index(
        op.f("ix_accounts_org_id_arr_amount"), "accounts", ["org_id", "arr_amount"], unique=False
    )
    op.create_index(op.f("ix_accounts_org_id_name"), "accounts", ["org_id", "name"], unique=False)
    op.create_index(
        op.f("ix_accounts_org_id_owner_id"), "accounts", ["org_id", "owner_id"], unique=False
    )
    op.create_index(
        op.f("ix_accounts_org_id_renewal_date"),
        "accounts",
        ["org_id", "renewal_date"],
        unique=False,
    )
    op.create_index(
        op.f("ix_accounts_org_id_team_id"), "accounts", ["org_id", "team_id"], unique=False
    )
    op.create_table(
        "team_members",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "team_id"],
            ["teams.org_id", "teams.id"],
            name=op.f("fk_team_members_org_id_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "user_id"],
            ["users.org_id", "users.id"],
            name=op.f("fk_team_members_org_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "team_id", "user_id", name=op.f("pk_team_members")),
    )
    op.create_index(
        op.f("ix_team_members_org_id_user_id"), "team_members", ["org_id", "user_id"], unique=False
    )
    op.create_table(
        "account_team_members",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id", "account_id"],
            ["accounts.org_id", "accounts.id"],
            name=op.f("fk_account_team_members_org_id_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "user_id"],
            ["users.org_id", "users.id"],
            name=op.f("fk_account_team_members_org_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "org_id", "account_id", "user_id", name=op.f("pk_account_team_members")
        ),
    )
    op.create_index(
        op.f("ix_account_team_members_org_id_user_id"),
        "account_team_members",
        ["org_id", "user_id"],
        unique=False,
    )
    op.create_table(
        "activities",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('email', 'call', 'meeting', 'note')", name=op.f("ck_activities_kind")
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "account_id"],
            ["accounts.org_id", "accounts.id"],
            name=op.f("fk_activities_org_id_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "user_id"],
            ["users.org_id", "users.id"],
            name=op.f("fk_activities_org_id_user_id_users"),
            ondelete="SET NULL (user_id)",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_activities_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_activities")),
        sa.UniqueConstraint("org_id", "external_id", name=op.f("uq_activities_org_id_external_id")),
    )
    op.create_index(
        op.f("ix_activities_org_id_account_id_occurred_at"),
        "activities",
        ["org_id", "account_id", "occurred_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_activities_org_id_occurred_at"),
        "activities",
        ["org_id", "occurred_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_activities_org_id_user_id"), "activities", ["org_id", "user_id"], unique=False
    )
    op.create_index(
        "ix_activities_subject_trgm",
        "activities",
        ["org_id", "subject"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"subject": "gin_trgm_ops"},
    )
    op.create_table(
        "custom_object_instances",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "account_id"],
            ["accounts.org_id", "accounts.id"],
            name=op.f("fk_custom_object_instances_org_id_account_id_accounts"),
            ondelete="SET NULL (account_id)",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "type_id"],
            ["custom_object_types.org_id", "custom_object_types.id"],
            name=op.f("fk_custom_object_instances_org_id_type_id_custom_object_types"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_custom_object_instances_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_custom_object_instances")),
        sa.UniqueConstraint(
            "org_id", "external_id", name=op.f("uq_custom_object_instances_org_id_external_id")
        ),
    )
    op.create_index(
        "ix_custom_object_instances_name_trgm",
        "custom_object_instances",
        ["org_id", "name"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.create_index(
        op.f("ix_custom_object_instances_org_id_account_id"),
        "custom_object_instances",
        ["org_id", "account_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_custom_object_instances_org_id_type_id"),
        "custom_object_instances",
        ["org_id", "type_id"],
        unique=False,
    )
    op.create_table(
        "documents",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("kind IN ('transcript', 'kb_article')", name=op.f("ck_documents_kind")),
        sa.ForeignKeyConstraint(
            ["org_id", "account_id"],
            ["accounts.org_id", "accounts.id"],
            name=op.f("fk_documents_org_id_account_id_accounts"),
            ondelete="SET NULL (account_id)",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_documents_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_documents")),
        sa.UniqueConstraint("org_id", "external_id", name=op.f("uq_documents_org_id_external_id")),
    )
    op.create_index(
        op.f("ix_documents_org_id_account_id_occurred_at"),
        "documents",
        ["org_id", "account_id", "occurred_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_documents_org_id_kind_occurred_at"),
        "documents",
        ["org_id", "kind", "occurred_at"],
        unique=False,
    )
    op.create_index(
        "ix_documents_title_trgm",
        "documents",
        ["org_id", "title"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops"},
    )
    op.create_table(
        "opportunities",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), server_default=sa.text("'new'"), nullable=False),
        sa.Column("stage", sa.Text(), nullable=False),
        sa.Column("stage_category", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("currency", sa.Text(), server_default=sa.text("'USD'"), nullable=False),
        sa.Column("close_date", sa.Date(), nullable=True),
        sa.Column("probability", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "stage_category IN ('open', 'won', 'lost')",
            name=op.f("ck_opportunities_stage_category"),
        ),
        sa.CheckConstraint(
            "type IN ('new', 'renewal', 'expansion')", name=op.f("ck_opportunities_type")
        ),
        sa.CheckConstraint(
            "probability BETWEEN 0 AND 100", name=op.f("ck_opportunities_probability")
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "account_id"],
            ["accounts.org_id", "accounts.id"],
            name=op.f("fk_opportunities_org_id_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "owner_id"],
            ["users.org_id", "users.id"],
            name=op.f("fk_opportunities_org_id_owner_id_users"),
            ondelete="SET NULL (owner_id)",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_opportunities_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_opportunities")),
        sa.UniqueConstraint(
            "org_id", "external_id", name=op.f("uq_opportunities_org_id_external_id")
        ),
    )
    op.create_index(
        "ix_opportunities_name_trgm",
        "opportunities",
        ["org_id", "name"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.create_index(
        op.f("ix_opportunities_org_id_account_id"),
        "opportunities",
        ["org_id", "account_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_opportunities_org_id_owner_id"),
        "opportunities",
        ["org_id", "owner_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_opportunities_org_id_stage_category_close_date"),
        "opportunities",
        ["org_id", "stage_category", "close_date"],
        unique=False,
    )
    op.create_table(
        "people",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("persona", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("last_contacted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "account_id"],
            ["accounts.org_id", "accounts.id"],
            name=op.f("fk_people_org_id_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_people_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_people")),
        sa.UniqueConstraint("org_id", "external_id", name=op.f("uq_people_org_id_external_id")),
    )
    op.create_index(
        "ix_people_email_trgm",
        "people",
        ["org_id", "email"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"email": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_people_name_trgm",
        "people",
        ["org_id", "name"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.create_index(
        op.f("ix_people_org_id_account_id"), "people", ["org_id", "account_id"], unique=False
    )
    op.create_index(op.f("ix_people_org_id_email"), "people", ["org_id", "email"], unique=False)
    op.create_table(
        "projects",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('planned', 'active', 'on_hold', 'completed', 'cancelled')",
            name=op.f("ck_projects_status"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "account_id"],
            ["accounts.org_id", "accounts.id"],
            name=op.f("fk_projects_org_id_account_id_accounts"),
            ondelete="SET NULL (account_id)",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "owner_id"],
            ["users.org_id", "users.id"],
            name=op.f("fk_projects_org_id_owner_id_users"),
            ondelete="SET NULL (owner_id)",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_projects_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_projects")),
        sa.UniqueConstraint("org_id", "external_id", name=op.f("uq_projects_org_id_external_id")),
    )
    op.create_index(
        "ix_projects_name_trgm",
        "projects",
        ["org_id", "name"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.create_index(
        op.f("ix_projects_org_id_account_id"), "projects", ["org_id", "account_id"], unique=False
    )
    op.create_index(
        op.f("ix_projects_org_id_owner_id"), "projects", ["org_id", "owner_id"], unique=False
    )
    op.create_table(
        "tasks",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("priority", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column("creator_id", sa.Uuid(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "priority IN ('low', 'medium', 'high', 'urgent')", name=op.f("ck_tasks_priority")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'in_progress', 'done', 'cancelled')", name=op.f("ck_tasks_status")
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "account_id"],
            ["accounts.org_id", "accounts.id"],
            name=op.f("fk_tasks_org_id_account_id_accounts"),
            ondelete="SET NULL (account_id)",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "assignee_id"],
            ["users.org_id", "users.id"],
            name=op.f("fk_tasks_org_id_assignee_id_users"),
            ondelete="SET NULL (assignee_id)",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "creator_id"],
            ["users.org_id", "users.id"],
            name=op.f("fk_tasks_org_id_creator_id_users"),
            ondelete="SET NULL (creator_id)",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_tasks_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("org_id", "external_id", name=op.f("uq_tasks_org_id_external_id")),
    )
    op.create_index(
        op.f("ix_tasks_org_id_account_id"), "tasks", ["org_id", "account_id"], unique=False
    )
    op.create_index(
        op.f("ix_tasks_org_id_assignee_id"), "tasks", ["org_id", "assignee_id"], unique=False
    )
    op.create_index(
        op.f("ix_tasks_org_id_creator_id"), "tasks", ["org_id", "creator_id"], unique=False
    )
    op.create_index(op.f("ix_tasks_org_id_due_date"), "tasks", ["org_id", "due_date"], unique=False)
    op.create_index(
        "ix_tasks_title_trgm",
        "tasks",
        ["org_id", "title"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops"},
    )
    op.create_table(
        "usage_account_daily",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("active_users", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("licensed_seats", sa.Integer(), nullable=True),
        sa.Column("active_seats", sa.Integer(), nullable=True),
        sa.Column("events", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("minutes", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "account_id"],
            ["accounts.org_id", "accounts.id"],
            name=op.f("fk_usage_account_daily_org_id_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "account_id", "day", name=op.f("pk_usage_account_daily")),
    )
    op.create_table(
        "usage_feature_daily",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("feature", sa.String(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("active_users", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("events", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("minutes", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "account_id"],
            ["accounts.org_id", "accounts.id"],
            name=op.f("fk_usage_feature_daily_org_id_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "org_id", "account_id", "feature", "day", name=op.f("pk_usage_feature_daily")
        ),
    )
    op.create_table(
        "activity_participants",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("activity_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "activity_id"],
            ["activities.org_id", "activities.id"],
            name=op.f("fk_activity_participants_org_id_activity_id_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "person_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_activity_participants_org_id_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "org_id", "activity_id", "person_id", name=op.f("pk_activity_participants")
        ),
    )
    op.create_index(
        op.f("ix_activity_participants_org_id_person_id"),
        "activity_participants",
        ["org_id", "person_id"],
        unique=False,
    )
    op.create_table(
        "document_chunks",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("speaker", sa.Text(), nullable=True),
        sa.Column("start_seconds", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "tsv",
            postgresql.TSVECTOR(),
            sa.Computed(
                "to_tsvector('english', coalesce(speaker, '') || ' ' || text)",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.Column("embedding", Vector(384), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id", "account_id"],
            ["accounts.org_id", "accounts.id"],
            name=op.f("fk_document_chunks_org_id_account_id_accounts"),
            ondelete="SET NULL (account_id)",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "document_id"],
            ["documents.org_id", "documents.id"],
            name=op.f("fk_document_chunks_org_id_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_document_chunks")),
        sa.UniqueConstraint(
            "org_id",
            "document_id",
            "ordinal",
            name=op.f("uq_document_chunks_org_id_document_id_ordinal"),
        ),
    )
    op.create_index(
        "ix_document_chunks_embedding_hnsw",
        "document_chunks",
        ["embedding"],
        unique=False,
        postgresql_using="hnsw",
        postgresql_with={"m": 16, "ef_construction": 64},
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.create_index(
        op.f("ix_document_chunks_org_id_account_id_occurred_at"),
        "document_chunks",
        ["org_id", "account_id", "occurred_at"],
        unique=False,
    )
    op.create_index(
        "ix_document_chunks_tsv",
        "document_chunks",
        ["org_id", "tsv"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_table(
        "document_participants",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "num_nonnulls(user_id, person_id) = 1",
            name=op.f("ck_document_participants_one_participant"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "document_id"],
            ["documents.org_id", "documents.id"],
            name=op.f("fk_document_participants_org_id_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "person_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_document_participants_org_id_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "user_id"],
            ["users.org_id", "users.id"],
            name=op.f("fk_document_participants_org_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_document_participants_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_document_participants")),
        sa.UniqueConstraint(
            "org_id",
            "document_id",
            "person_id",
            name=op.f("uq_document_participants_org_id_document_id_person_id"),
        ),
        sa.UniqueConstraint(
            "org_id",
            "document_id",
            "user_id",
            name=op.f("uq_document_participants_org_id_document_id_user_id"),
        ),
        sa.UniqueConstraint(
            "org_id", "external_id", name=op.f("uq_document_participants_org_id_external_id")
        ),
    )
    op.create_index(
        op.f("ix_document_participants_org_id_user_id"),
        "document_participants",
        ["org_id", "user_id"],
        unique=False,
    )
    op.create_table(
        "group_members",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "num_nonnulls(account_id, person_id) = 1", name=op.f("ck_group_members_one_member")
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "account_id"],
            ["accounts.org_id", "accounts.id"],
            name=op.f("fk_group_members_org_id_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "group_id"],
            ["groups.org_id", "groups.id"],
            name=op.f("fk_group_members_org_id_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "person_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_group_members_org_id_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_group_members_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_group_members")),
        sa.UniqueConstraint(
            "org_id", "external_id", name=op.f("uq_group_members_org_id_external_id")
        ),
        sa.UniqueConstraint(
            "org_id",
            "group_id",
            "account_id",
            name=op.f("uq_group_members_org_id_group_id_account_id"),
        ),
        sa.UniqueConstraint(
            "org_id",
            "group_id",
            "person_id",
            name=op.f("uq_group_members_org_id_group_id_person_id"),
        ),
    )
    op.create_index(
        op.f("ix_group_members_org_id_account_id"),
        "group_members",
        ["org_id", "account_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_group_members_org_id_person_id"),
        "group_members",
        ["org_id", "person_id"],
        unique=False,
    )
    op.create_table(
        "opportunity_stage_changes",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("opportunity_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("from_stage", sa.Text(), nullable=True),
        sa.Column("to_stage", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Uuid(), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "account_id"],
            ["accounts.org_id", "accounts.id"],
            name=op.f("fk_opportunity_stage_changes_org_id_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "changed_by_id"],
            ["users.org_id", "users.id"],
            name=op.f("fk_opportunity_stage_changes_org_id_changed_by_id_users"),
            ondelete="SET NULL (changed_by_id)",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "opportunity_id"],
            ["opportunities.org_id", "opportunities.id"],
            name=op.f("fk_opportunity_stage_changes_org_id_opportunity_id_opportunities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["orgs.id"],
            name=op.f("fk_opportunity_stage_changes_org_id_orgs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_opportunity_stage_changes")),
        sa.UniqueConstraint(
            "org_id", "external_id", name=op.f("uq_opportunity_stage_changes_org_id_external_id")
        ),
    )
    op.create_index(
        op.f("ix_opportunity_stage_changes_org_id_account_id_changed_at"),
        "opportunity_stage_changes",
        ["org_id", "account_id", "changed_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_opportunity_stage_changes_org_id_opportunity_id_changed_at"),
        "opportunity_stage_changes",
        ["org_id", "opportunity_id", "changed_at"],
        unique=False,
    )
    op.create_table(
        "project_members",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "project_id"],
            ["projects.org_id", "projects.id"],
            name=op.f("fk_project_members_org_id_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "user_id"],
            ["users.org_id", "users.id"],
            name=op.f("fk_project_members_org_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "project_id", "user_id", name=op.f("pk_project_members")),
    )
    op.create_index(
        op.f("ix_project_members_org_id_user_id"),
        "project_members",
        ["org_id", "user_id"],
        unique=False,
    )
    op.create_table(
        "task_comments",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "author_id"],
            ["users.org_id", "users.id"],
            name=op.f("fk_task_comments_org_id_author_id_users"),
            ondelete="SET NULL (author_id)",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "task_id"],
            ["tasks.org_id", "tasks.id"],
            name=op.f("fk_task_comments_org_id_task_id_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_task_comments_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_task_comments")),
        sa.UniqueConstraint(
            "org_id", "external_id", name=op.f("uq_task_comments_org_id_external_id")
        ),
    )
    op.create_index(
        op.f("ix_task_comments_org_id_task_id_posted_at"),
        "task_comments",
        ["org_id", "task_id", "posted_at"],
        unique=False,
    )
    op.create_table(
        "tickets",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("requester_id", sa.Uuid(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("priority", sa.Text(), server_default=sa.text("'normal'"), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column(
            "custom",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "priority IN ('low', 'normal', 'high', 'urgent')", name=op.f("ck_tickets_priority")
        ),
        sa.CheckConstraint(
            "status IN ('new', 'open', 'pending', 'on_hold', 'solved', 'closed')",
            name=op.f("ck_tickets_status"),
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "account_id"],
            ["accounts.org_id", "accounts.id"],
            name=op.f("fk_tickets_org_id_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "requester_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_tickets_org_id_requester_id_people"),
            ondelete="SET NULL (requester_id)",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_tickets_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("org_id", "external_id", name=op.f("uq_tickets_org_id_external_id")),
    )
    op.create_index(
        op.f("ix_tickets_org_id_account_id_opened_at"),
        "tickets",
        ["org_id", "account_id", "opened_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_tickets_org_id_status_opened_at"),
        "tickets",
        ["org_id", "status", "opened_at"],
        unique=False,
    )
    op.create_index(
        "ix_tickets_subject_trgm",
        "tickets",
        ["org_id", "subject"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"subject": "gin_trgm_ops"},
    )
    op.create_table(
        "usage_person_daily",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("events", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("minutes", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id", "account_id"],
            ["accounts.org_id", "accounts.id"],
            name=op.f("fk_usage_person_daily_org_id_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id", "person_id"],
            ["people.org_id", "people.id"],
            name=op.f("fk_usage_person_daily_org_id_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "person_id", "day", name=op.f("pk_usage_person_daily")),
    )


def downgrade() -> None:
    op.drop_table("usage_person_daily")
    op.drop_index(
        "ix_tickets_subject_trgm",
        table_name="tickets",
        postgresql_using="gin",
        postgresql_ops={"subject": "gin_trgm_ops"},
    )
    op.drop_index(op.f("ix_tickets_org_id_status_opened_at"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_org_id_account_id_opened_at"), table_name="tickets")
    op.drop_table("tickets")
    op.drop_index(op.f("ix_task_comments_org_id_task_id_posted_at"), table_name="task_comments")
    op.drop_table("task_comments")
    op.drop_index(op.f("ix_project_members_org_id_user_id"), table_name="project_members")
    op.drop_table("project_members")
    op.drop_index(
        op.f("ix_opportunity_stage_changes_org_id_opportunity_id_changed_at"),
        table_name="opportunity_stage_changes",
    )
    op.drop_index(
        op.f("ix_opportunity_stage_changes_org_id_account_id_changed_at"),
        table_name="opportunity_stage_changes",
    )
    op.drop_table("opportunity_stage_changes")
    op.drop_index(op.f("ix_group_members_org_id_person_id"), table_name="group_members")
    op.drop_index(op.f("ix_group_members_org_id_account_id"), table_name="group_members")
    op.drop_table("group_members")
    op.drop_index(
        op.f("ix_document_participants_org_id_user_id"), table_name="document_participants"
    )
    op.drop_table("document_participants")
    op.drop_index("ix_document_chunks_tsv", table_name="document_chunks", postgresql_using="gin")
    op.drop_index(
        op.f("ix_document_chunks_org_id_account_id_occurred_at"), table_name="document_chunks"
    )
    op.drop_index(
        "ix_document_chunks_embedding_hnsw",
        table_name="document_chunks",
        postgresql_using="hnsw",
        postgresql_with={"m": 16, "ef_construction": 64},
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
    op.drop_table("document_chunks")
    op.drop_index(
        op.f("ix_activity_participants_org_id_person_id"), table_name="activity_participants"
    )
    op.drop_table("activity_participants")
    op.drop_table("usage_feature_daily")
    op.drop_table("usage_account_daily")
    op.drop_index(
        "ix_tasks_title_trgm",
        table_name="tasks",
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops"},
    )
    op.drop_index(op.f("ix_tasks_org_id_due_date"), table_name="tasks")
    op.drop_index(op.f("ix_tasks_org_id_creator_id"), table_name="tasks")
    op.drop_index(op.f("ix_tasks_org_id_assignee_id"), table_name="tasks")
    op.drop_index(op.f("ix_tasks_org_id_account_id"), table_name="tasks")
    op.drop_table("tasks")
    op.drop_index(op.f("ix_projects_org_id_owner_id"), table_name="projects")
    op.drop_index(op.f("ix_projects_org_id_account_id"), table_name="projects")
    op.drop_index(
        "ix_projects_name_trgm",
        table_name="projects",
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.drop_table("projects")
    op.drop_index(op.f("ix_people_org_id_email"), table_name="people")
    op.drop_index(op.f("ix_people_org_id_account_id"), table_name="people")
    op.drop_index(
        "ix_people_name_trgm",
        table_name="people",
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.drop_index(
        "ix_people_email_trgm",
        table_name="people",
        postgresql_using="gin",
        postgresql_ops={"email": "gin_trgm_ops"},
    )
    op.drop_table("people")
    op.drop_index(
        op.f("ix_opportunities_org_id_stage_category_close_date"), table_name="opportunities"
    )
    op.drop_index(op.f("ix_opportunities_org_id_owner_id"), table_name="opportunities")
    op.drop_index(op.f("ix_opportunities_org_id_account_id"), table_name="opportunities")
    op.drop_index(
        "ix_opportunities_name_trgm",
        table_name="opportunities",
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.drop_table("opportunities")
    op.drop_index(
        "ix_documents_title_trgm",
        table_name="documents",
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops"},
    )
    op.drop_index(op.f("ix_documents_org_id_kind_occurred_at"), table_name="documents")
    op.drop_index(op.f("ix_documents_org_id_account_id_occurred_at"), table_name="documents")
    op.drop_table("documents")
    op.drop_index(
        op.f("ix_custom_object_instances_org_id_type_id"), table_name="custom_object_instances"
    )
    op.drop_index(
        op.f("ix_custom_object_instances_org_id_account_id"), table_name="custom_object_instances"
    )
    op.drop_index(
        "ix_custom_object_instances_name_trgm",
        table_name="custom_object_instances",
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.drop_table("custom_object_instances")
    op.drop_index(
        "ix_activities_subject_trgm",
        table_name="activities",
        postgresql_using="gin",
        postgresql_ops={"subject": "gin_trgm_ops"},
    )
    op.drop_index(op.f("ix_activities_org_id_user_id"), table_name="activities")
    op.drop_index(op.f("ix_activities_org_id_occurred_at"), table_name="activities")
    op.drop_index(op.f("ix_activities_org_id_account_id_occurred_at"), table_name="activities")
    op.drop_table("activities")
    op.drop_index(op.f("ix_account_team_members_org_id_user_id"), table_name="account_team_members")
    op.drop_table("account_team_members")
    op.drop_index(op.f("ix_team_members_org_id_user_id"), table_name="team_members")
    op.drop_table("team_members")
    op.drop_index(op.f("ix_accounts_org_id_team_id"), table_name="accounts")
    op.drop_index(op.f("ix_accounts_org_id_renewal_date"), table_name="accounts")
    op.drop_index(op.f("ix_accounts_org_id_owner_id"), table_name="accounts")
    op.drop_index(op.f("ix_accounts_org_id_name"), table_name="accounts")
    op.drop_index(op.f("ix_accounts_org_id_arr_amount"), table_name="accounts")
    op.drop_index(
        "ix_accounts_name_trgm",
        table_name="accounts",
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.drop_index(
        "ix_accounts_domain_trgm",
        table_name="accounts",
        postgresql_using="gin",
        postgresql_ops={"domain": "gin_trgm_ops"},
    )
    op.drop_table("accounts")
    op.drop_table("users")
    op.drop_table("teams")
    op.drop_table("property_definitions")
    op.drop_table("groups")
    op.drop_table("custom_object_types")
    op.drop_table("orgs")
