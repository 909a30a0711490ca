"""The app role's privileges are exactly the committed allowlist (``accountlens/db/grants.py``).

Read from PostgreSQL's own catalogs (table, column and function ACLs), after the grants that
every start applies; and tried for real: the writes the issue found possible are refused, and
no statement of the app role reads a password hash.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from accountlens.auth import users
from accountlens.db.engine import Database
from accountlens.db.grants import (
    COLUMN_PRIVILEGES,
    FUNCTION_PRIVILEGES,
    HIDDEN_COLUMNS,
    privileges_for,
)
from accountlens.db.models import SsoConfig
from accountlens.db.row_security import APP_ROLE

TABLE_ACLS = text(
    "SELECT c.relname, c.relrowsecurity, "
    "  coalesce(array_agg(a.privilege_type) FILTER (WHERE a.grantee = r.oid), '{}') "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "CROSS JOIN pg_roles r "
    "LEFT JOIN LATERAL aclexplode(c.relacl) a ON true "
    "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND r.rolname = :role "
    "GROUP BY c.relname, c.relrowsecurity"
)

#: Column ACLs of columns the role has no table-wide privilege on (those are granted per column).
COLUMN_ACLS = text(
    "SELECT c.relname, a.privilege_type, array_agg(att.attname ORDER BY att.attname) "
    "FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "CROSS JOIN LATERAL aclexplode(att.attacl) a "
    "JOIN pg_roles r ON r.oid = a.grantee "
    "WHERE n.nspname = 'public' AND r.rolname = :role "
    "GROUP BY c.relname, a.privilege_type"
)

COLUMNS = text(
    "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:table AS regclass) "
    "AND attnum > 0 AND NOT attisdropped"
)


async def test_the_app_roles_live_table_privileges_are_exactly_the_allowlist(
    demo_db: Database,
) -> None:
    async with demo_db.engine.connect() as conn:
        rows = (await conn.execute(TABLE_ACLS, {"role": APP_ROLE})).all()
    live = {table: frozenset(privileges) for table, _, privileges in rows}
    wanted = {table: privileges_for(table, protected=on) for table, on, _ in rows}
    assert live == wanted
    # and the identity tables are read-only for requests (users column by column, below)
    for table in ("orgs", "teams", "team_members"):
        assert live[table] == {"SELECT"}, table
    assert live["users"] == frozenset()


async def test_the_app_roles_column_privileges_are_exactly_the_allowlist(
    demo_db: Database,
) -> None:
    async with demo_db.engine.connect() as conn:
        rows = (await conn.execute(COLUMN_ACLS, {"role": APP_ROLE})).all()
        readable = {
            table: tuple(
                sorted(c for (c,) in (await conn.execute(COLUMNS, {"table": table})).all())
            )
            for table in HIDDEN_COLUMNS
        }
    live = {(table, privilege): tuple(columns) for table, privilege, columns in rows}
    wanted = {
        (table, privilege): tuple(sorted(columns))
        for table, granted in COLUMN_PRIVILEGES.items()
        for privilege, columns in granted.items()
    }
    for table, hidden in HIDDEN_COLUMNS.items():
        wanted[(table, "SELECT")] = tuple(c for c in readable[table] if c not in hidden)
    assert live == wanted
    # users: every column but the password hash, and no column may be written
    assert "password_hash" not in live[("users", "SELECT")]
    assert "email" in live[("users", "SELECT")]
    assert ("users", "UPDATE") not in live


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT email, password_hash FROM users",
        "SELECT * FROM users",
        "SELECT count(*) FROM users WHERE password_hash LIKE '$argon2id$%'",
        "SELECT u FROM users u",
        "UPDATE users SET password_hash = NULL",
        "UPDATE users SET password_hash = 'x' WHERE email = 'grace@northwind.example'",
        "SELECT accountlens_require_admin(org_id, id) FROM users LIMIT 1",
    ],
)
async def test_the_app_role_cannot_read_or_write_password_hashes(
    demo_db: Database, statement: str
) -> None:
    async with demo_db.read_engine.connect() as conn:
        with pytest.raises(ProgrammingError, match="permission denied"):
            await conn.execute(text(statement))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE users SET role = 'admin' WHERE email = 'grace@northwind.example'",
        "UPDATE users SET is_active = true",
        "INSERT INTO users (org_id, id, email, name) SELECT org_id, gen_random_uuid(), "
        "'intruder@example.com', 'x' FROM users LIMIT 1",
        "UPDATE orgs SET account_visibility = 'open'",
        "INSERT INTO orgs (id, name, slug) VALUES (gen_random_uuid(), 'x', 'x')",
        "UPDATE teams SET name = 'x'",
        "INSERT INTO team_members SELECT * FROM team_members LIMIT 1",
        "DELETE FROM team_members",
        "DELETE FROM mcp_tool_calls",
        # an org admin may change their provider, never claim another org's e-mail domains
        "UPDATE sso_configs SET allowed_domains = '{gmail.com}'",
        "INSERT INTO sso_configs (org_id, issuer, client_id, client_secret, allowed_domains) "
        "SELECT id, 'https://x', 'x', '', '{gmail.com}' FROM orgs LIMIT 1",
        "DELETE FROM sso_configs",
    ],
)
async def test_the_app_role_cannot_change_roles_orgs_teams_or_the_audit_log(
    demo_db: Database, statement: str
) -> None:
    async with demo_db.read_engine.connect() as conn:
        with pytest.raises(ProgrammingError, match="permission denied"):
            await conn.execute(text(statement))


FUNCTION_ACLS = text(
    "SELECT p.oid::regprocedure::text FROM pg_proc p "
    "JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = 'public' AND p.prosecdef "
    "AND has_function_privilege(:role, p.oid, 'EXECUTE')"
)


async def test_the_app_role_runs_exactly_the_allowlisted_security_definer_functions(
    demo_db: Database,
) -> None:
    async with demo_db.engine.connect() as conn:
        granted = set((await conn.execute(FUNCTION_ACLS, {"role": APP_ROLE})).scalars())
        public = set((await conn.execute(FUNCTION_ACLS, {"role": "public"})).scalars())
    assert granted == {signature.replace(" ", "") for signature in FUNCTION_PRIVILEGES}
    assert public == set()


async def test_the_app_role_creates_a_user_only_as_the_orgs_sso_settings_allow(
    fresh_db: Database,
) -> None:
    # given an org whose SSO allows acme.test, without just-in-time provisioning
    async with fresh_db.sessions() as session:
        org = await users.create_org(session, "Acme", "acme", "restricted")
        session.add(
            SsoConfig(
                org_id=org.id,
                issuer="https://idp.example",
                client_id="c",
                client_secret=b"sealed",
                allowed_domains=["acme.test"],
                default_role="member",
            )
        )
        await session.commit()
    provision = text("SELECT sso_provision_user(:org, :email, 'Pat', 'sub-1')")
    async with fresh_db.read_engine.begin() as conn:
        off = await conn.scalar(provision, {"org": org.id, "email": "pat@acme.test"})
    assert off is None
    async with fresh_db.engine.begin() as conn:
        await conn.execute(text("UPDATE sso_configs SET jit_provisioning = true"))
    async with fresh_db.read_engine.begin() as conn:
        outside = await conn.scalar(provision, {"org": org.id, "email": "pat@evil.test"})
        made = await conn.scalar(provision, {"org": org.id, "email": "pat@acme.test"})
    assert outside is None
    assert made is not None
    async with fresh_db.engine.connect() as conn:
        role = await conn.scalar(text("SELECT role FROM users WHERE id = :id"), {"id": made})
    assert role == "member"


SEARCH_PATHS = text(
    "SELECT p.oid::regprocedure::text, "
    "  (SELECT c FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%') "
    "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "WHERE n.nspname = 'public' AND p.prosecdef"
)


async def test_every_security_definer_function_searches_temporary_tables_last(
    demo_db: Database,
) -> None:
    # A path without pg_temp searches the caller's temporary tables *first*, so a temporary
    # table could stand in for ours inside a function that runs with the owner's rights.
    async with demo_db.engine.connect() as conn:
        paths: dict[str, str | None] = dict((await conn.execute(SEARCH_PATHS)).all())
    assert paths
    for function, path in paths.items():
        assert path is not None, function
        assert path.replace(" ", "").endswith(",pg_temp"), (function, path)


async def test_a_temporary_table_cannot_stand_in_for_the_sso_settings(fresh_db: Database) -> None:
    # given an org without single sign-on
    async with fresh_db.sessions() as session:
        org = await users.create_org(session, "Acme", "acme", "restricted")
        await session.commit()
    # when the app role makes a temporary sso_configs that lets anyone in as an admin
    async with fresh_db.read_engine.begin() as conn:
        await conn.execute(
            text("CREATE TEMPORARY TABLE sso_configs (LIKE public.sso_configs INCLUDING DEFAULTS)")
        )
        await conn.execute(
            text(
                "INSERT INTO sso_configs (org_id, issuer, client_id, client_secret, "
                "allowed_domains, jit_provisioning, default_role) "
                "VALUES (:org, 'https://x', 'x', '', '{evil.test}', true, 'admin')"
            ),
            {"org": org.id},
        )
        made = await conn.scalar(
            text("SELECT sso_provision_user(:org, 'mallory@evil.test', 'M', 'sub')"),
            {"org": org.id},
        )
    # then the function reads the real (absent) settings and creates no one
    assert made is None
    async with fresh_db.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM users")) == 0
