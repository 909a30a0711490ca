"""Single sign-on with OpenID Connect: per-org provider settings and sign-ins in flight.

``sso_configs`` holds one row per org that signs in through its OpenID provider (the client
secret AES-GCM encrypted); ``sso_attempts`` one row per sign-in sent to the provider, claimed
once when it comes back. Both are auth tables: no row-level security, like ``web_sessions``.

The app role may not insert users or change them (accountlens/db/grants.py), yet single sign-on
creates people (just-in-time provisioning) and records their provider subject. Two SECURITY
DEFINER functions do exactly that and nothing more, checking the org's own settings inside the
database: a user is created only when the org has JIT on and the e-mail is in an allowed
domain, with the org's default role; a subject is recorded only on a user who has none yet.

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-02 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None

PROVISION = """
CREATE FUNCTION sso_provision_user(p_org uuid, p_email text, p_name text, p_subject text)
RETURNS uuid LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  cfg sso_configs;
  made uuid;
BEGIN
  SELECT * INTO cfg FROM sso_configs WHERE org_id = p_org;
  IF NOT FOUND OR NOT cfg.jit_provisioning OR NOT (split_part(lower(p_email), '@', 2) = ANY (cfg.allowed_domains)) THEN
    RETURN NULL;
  END IF;
  INSERT INTO users (org_id, id, email, name, role, sso_subject)
  VALUES (p_org, gen_random_uuid(), lower(p_email), p_name, cfg.default_role, p_subject)
  ON CONFLICT DO NOTHING
  RETURNING id INTO made;
  RETURN made;
END $$
"""

LINK = """
CREATE FUNCTION sso_link_user(p_org uuid, p_user uuid, p_subject text)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
  cfg sso_configs;
  p_email text;
BEGIN
  SELECT * INTO cfg FROM sso_configs WHERE org_id = p_org;
  SELECT email INTO p_email FROM users WHERE org_id = p_org AND id = p_user;
  IF cfg.org_id IS NULL OR p_email IS NULL OR NOT (split_part(lower(p_email), '@', 2) = ANY (cfg.allowed_domains)) THEN
    RETURN false;
  END IF;
  UPDATE users SET sso_subject = p_subject, updated_at = now()
  WHERE org_id = p_org AND id = p_user AND sso_subject IS NULL;
  RETURN FOUND;
END $$
"""

FUNCTIONS = ("sso_provision_user(uuid, text, text, text)", "sso_link_user(uuid, uuid, text)")


def upgrade() -> None:
    op.create_table(
        "sso_configs",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("issuer", sa.Text(), nullable=False),
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column("client_secret", sa.LargeBinary(), nullable=False),
        sa.Column("allowed_domains", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column(
            "jit_provisioning", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("default_role", sa.Text(), server_default=sa.text("'member'"), nullable=False),
        sa.Column(
            "local_passwords_disabled",
            sa.Boolean(),
            server_default=sa.text("false"),
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
        sa.CheckConstraint("default_role IN ('admin', 'member')", name=op.f("ck_sso_configs_role")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_sso_configs_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_sso_configs")),
    )
    op.create_table(
        "sso_attempts",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("state_hash", sa.LargeBinary(), nullable=False),
        sa.Column("browser_hash", sa.LargeBinary(), nullable=False),
        sa.Column("nonce", sa.Text(), nullable=False),
        sa.Column("code_verifier", sa.Text(), nullable=False),
        sa.Column("next_path", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"], ["orgs.id"], name=op.f("fk_sso_attempts_org_id_orgs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("org_id", "state_hash", name=op.f("pk_sso_attempts")),
    )
    op.create_index(
        op.f("ix_users_org_id_sso_subject"),
        "users",
        ["org_id", "sso_subject"],
        unique=False,
        postgresql_where=sa.text("sso_subject IS NOT NULL"),
    )
    op.execute(text(PROVISION))
    op.execute(text(LINK))
    for function in FUNCTIONS:  # EXECUTE goes to the app role only (grant_app_role)
        op.execute(text(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC"))


def downgrade() -> None:
    for function in FUNCTIONS:
        op.execute(text(f"DROP FUNCTION {function}"))
    op.drop_index(op.f("ix_users_org_id_sso_subject"), table_name="users")
    op.drop_table("sso_attempts")
    op.drop_table("sso_configs")
