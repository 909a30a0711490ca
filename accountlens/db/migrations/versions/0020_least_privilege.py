"""Least privilege: password hashes behind functions, admin writes through checked functions,
row-level security on teams, team members and web sessions.

The app role (``DATABASE_URL``) loses every way to read ``users.password_hash``: it gets column
SELECT on the other columns of ``users`` (``accountlens/db/grants.py``) and these functions,
owned by the owner role and run with its rights (SECURITY DEFINER):

* ``accountlens_password_salts(email)``: per active account with that e-mail, the stored hash
  *without its digest* (algorithm, costs and salt) and the digest's length. Argon2 runs in
  Python, which hashes the candidate password with those parameters into a full encoded hash.
* ``accountlens_password_matches(org, user, candidate)``: the verdict, true when the candidate
  equals the stored hash. The hash itself never leaves the database, so even arbitrary SQL as
  the app role gets only what the sign-in form gives: one online guess per call.
* ``accountlens_replace_password_hash(org, user, current, new)``: sets a new hash only for a
  caller who just proved the current one (rehash on sign-in, a person changing their password).
* ``accountlens_set_user_role(org, actor, user, role)`` and
  ``accountlens_update_org(org, actor, name, visibility, timezone)``: the sanctioned path for
  admin changes (the app role may not UPDATE ``users`` or ``orgs``): refused unless ``actor``
  is an active admin of ``org`` and the user belongs to ``org``; an org keeps one active admin.

Every function sets ``search_path`` to ``pg_catalog, pg_temp`` and names tables with their
schema: a SECURITY DEFINER function runs with the owner's rights, and with the caller's
search path a role able to create objects in a schema on that path (``public`` grants CREATE
to everyone before PostgreSQL 15) could put its own ``users`` table or ``lower()`` function
in front of ours and have it run as the owner. ``pg_temp`` goes last for the same reason: it
is searched first unless named.

The single sign-on functions of 0015 get ``pg_temp`` at the end of their path: without it a
caller's temporary tables are searched *first*, so the app role could create a temporary
``sso_configs`` allowing its own domain with just-in-time admins, and ``sso_provision_user``,
running as the owner, would create an admin in any org (``tests/db/test_grants.py``).

Row-level security, per identity table that carries ``org_id`` (the policy of 0006; a table
gets it where every path that reads it as the app role knows the org at that time):

==========================  ====  ============================================================
table                       RLS   why
==========================  ====  ============================================================
teams, team_members         yes   read only by GraphQL resolvers, in the org-bound transaction
users                       no    sign-in finds accounts by e-mail before any org is known
                                  (now through the functions above), and the bearer check reads
                                  the user in one autocommit statement with no transaction to
                                  bind; all other reads are by ``(org_id, id)`` from a token,
                                  cookie or principal. Read-only, hash hidden, role writes only
                                  through ``accountlens_set_user_role``.
connections                 no    the same bearer statement reads and updates it
web_sessions                yes   every statement (``auth/web_sessions.py``) has the org from
                                  the cookie or the principal and binds the transaction first
oauth_authorization_codes   no    found by ``(org_id, id)`` from the code, so the org is known,
                                  but issuing, exchanging and replay revocation run in the
                                  authlib flow's transactions; left for a pass that binds them
mcp_tool_calls              no    the audit writer inserts rows of many orgs in one statement
oauth_clients,              no    global rows (``GLOBAL_ORG_ID``): registration and limits
rate_limit_buckets                happen before anyone signs in
sso_configs                 no    found by the e-mail's domain at sign-in, before an org is known
sso_attempts                no    found by ``(org_id, state)`` from the callback, so the org is
                                  known; left for a pass that binds the SSO flow's transactions
orgs                        no    no ``org_id`` column; read-only for the app
==========================  ====  ============================================================

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-02 04:30:00
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

revision = "0020"
down_revision = "0017"
branch_labels = None
depends_on = None

POLICY = "org_isolation"
CURRENT_ORG = "NULLIF(current_setting('accountlens.org_id', true), '')::uuid"
RLS_TABLES = ("teams", "team_members", "web_sessions")

# Every function below sets ``search_path = pg_catalog, pg_temp``: see the module docstring.
FUNCTIONS = {
    "accountlens_password_salts(text)": """
        CREATE FUNCTION accountlens_password_salts(p_email text)
        RETURNS TABLE (org_id uuid, user_id uuid, salted text, digest_length integer)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
        AS $$
            SELECT u.org_id, u.id,
                   regexp_replace(u.password_hash, '[^$]*$', ''),
                   length(substring(u.password_hash FROM '[^$]*$'))
            FROM public.users u
            WHERE lower(u.email) = p_email AND u.is_active AND u.password_hash IS NOT NULL
            ORDER BY u.created_at
        $$
    """,
    "accountlens_password_matches(uuid, uuid, text)": """
        CREATE FUNCTION accountlens_password_matches(p_org uuid, p_user uuid, p_candidate text)
        RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
        AS $$
            -- digests of both sides: the comparison's time says nothing about the stored hash
            SELECT coalesce((
                SELECT sha256(convert_to(u.password_hash, 'UTF8'))
                       = sha256(convert_to(p_candidate, 'UTF8'))
                FROM public.users u
                WHERE u.org_id = p_org AND u.id = p_user AND u.is_active
            ), false)
        $$
    """,
    "accountlens_replace_password_hash(uuid, uuid, text, text)": """
        CREATE FUNCTION accountlens_replace_password_hash(
            p_org uuid, p_user uuid, p_current text, p_new text
        ) RETURNS boolean
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
        AS $$
        BEGIN
            IF p_new IS NULL OR p_new NOT LIKE '$argon2%' THEN
                RAISE EXCEPTION 'not an argon2 hash' USING ERRCODE = '22023';
            END IF;
            IF NOT public.accountlens_password_matches(p_org, p_user, p_current) THEN
                RETURN false;
            END IF;
            UPDATE public.users SET password_hash = p_new, updated_at = now()
            WHERE org_id = p_org AND id = p_user;
            RETURN true;
        END
        $$
    """,
    "accountlens_set_user_role(uuid, uuid, uuid, text)": """
        CREATE FUNCTION accountlens_set_user_role(
            p_org uuid, p_actor uuid, p_user uuid, p_role text
        ) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
        AS $$
        BEGIN
            PERFORM public.accountlens_require_admin(p_org, p_actor);
            IF p_role IS NULL OR p_role NOT IN ('admin', 'member') THEN
                RAISE EXCEPTION 'a role is admin or member' USING ERRCODE = '22023';
            END IF;
            -- lock the org's admins, so two demotions at once cannot both pass the check
            PERFORM 1 FROM public.users
            WHERE org_id = p_org AND role = 'admin' AND is_active FOR UPDATE;
            IF NOT EXISTS (SELECT 1 FROM public.users WHERE org_id = p_org AND id = p_user) THEN
                RAISE EXCEPTION 'no such user in this org' USING ERRCODE = 'P0002';
            END IF;
            IF p_role = 'member' AND NOT EXISTS (
                SELECT 1 FROM public.users
                WHERE org_id = p_org AND role = 'admin' AND is_active AND id <> p_user
            ) THEN
                RAISE EXCEPTION 'an org keeps at least one active admin' USING ERRCODE = '22023';
            END IF;
            UPDATE public.users SET role = p_role, updated_at = now()
            WHERE org_id = p_org AND id = p_user;
        END
        $$
    """,
    "accountlens_update_org(uuid, uuid, text, text, text)": """
        CREATE FUNCTION accountlens_update_org(
            p_org uuid, p_actor uuid, p_name text, p_visibility text, p_timezone text
        ) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
        AS $$
        BEGIN
            PERFORM public.accountlens_require_admin(p_org, p_actor);
            IF p_name IS NOT NULL AND btrim(p_name) = '' THEN
                RAISE EXCEPTION 'an org needs a name' USING ERRCODE = '22023';
            END IF;
            IF p_visibility IS NOT NULL AND p_visibility NOT IN ('open', 'restricted') THEN
                RAISE EXCEPTION 'visibility is open or restricted' USING ERRCODE = '22023';
            END IF;
            IF p_timezone IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = p_timezone) THEN
                RAISE EXCEPTION 'unknown time zone' USING ERRCODE = '22023';
            END IF;
            UPDATE public.orgs SET
                name = coalesce(btrim(p_name), name),
                account_visibility = coalesce(p_visibility, account_visibility),
                timezone = coalesce(p_timezone, timezone),
                updated_at = now()
            WHERE id = p_org;
        END
        $$
    """,
}

#: Not for the app role: the admin check the two admin functions share.
REQUIRE_ADMIN = """
    CREATE FUNCTION accountlens_require_admin(p_org uuid, p_actor uuid) RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
    BEGIN
        IF NOT EXISTS (
            SELECT 1 FROM public.users
            WHERE org_id = p_org AND id = p_actor AND role = 'admin' AND is_active
        ) THEN
            RAISE EXCEPTION 'only an active admin of this org may do this'
                USING ERRCODE = '42501';
        END IF;
    END
    $$
"""


#: The 0015 functions, which name tables unqualified and so keep ``public`` on their path.
SSO_FUNCTIONS = ("sso_provision_user(uuid, text, text, text)", "sso_link_user(uuid, uuid, text)")


def upgrade() -> None:
    for signature in SSO_FUNCTIONS:
        op.execute(
            text(f"ALTER FUNCTION {signature} SET search_path = pg_catalog, public, pg_temp")
        )
    for table in RLS_TABLES:
        op.execute(text(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"))
        op.execute(text(f"CREATE POLICY {POLICY} ON {table} USING (org_id = {CURRENT_ORG})"))
    op.execute(text(REQUIRE_ADMIN))
    op.execute(text("REVOKE ALL ON FUNCTION accountlens_require_admin(uuid, uuid) FROM PUBLIC"))
    for signature, body in FUNCTIONS.items():
        op.execute(text(body))
        # PostgreSQL lets PUBLIC execute a new function; the app role is granted by name.
        op.execute(text(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC"))


def downgrade() -> None:
    for signature in SSO_FUNCTIONS:
        op.execute(text(f"ALTER FUNCTION {signature} SET search_path = pg_catalog, public"))
    for signature in FUNCTIONS:
        op.execute(text(f"DROP FUNCTION IF EXISTS {signature}"))
    op.execute(text("DROP FUNCTION IF EXISTS accountlens_require_admin(uuid, uuid)"))
    for table in RLS_TABLES:
        op.execute(text(f"DROP POLICY IF EXISTS {POLICY} ON {table}"))
        op.execute(text(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"))
