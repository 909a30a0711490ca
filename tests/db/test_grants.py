"""The app role's privileges are exactly the committed allowlist (``accountlens/db/grants.py``).

Read from PostgreSQL's own catalogs (table and column ACLs), after the grants that every start
applies; and tried for real: the writes the issue found possible are refused.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from accountlens.auth import users
from accountlens.db.engine import Database
from accountlens.db.grants import COLUMN_PRIVILEGES, FUNCTION_PRIVILEGES, privileges_for
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

COLUMN_ACLS = text(
    "SELECT c.relname, a.privilege_type, array_agg(att.attname ORDER BY att.attname) "
    "FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "CROSS JOIN LATERAL aclexplode(att.attacl) a "
    "JOIN pg_roles r ON r.oid = a.grantee "
    "WHERE n.nspname = 'public' AND r.rolname = :role "
    "GROUP BY c.relname, a.privilege_type"
)


async def test_the_app_roles_live_table_privileges_are_exactly_the_allowlist(
    demo_db: Database,
) -> None:
    async with demo_db.engine.connect() as conn:
        rows = (await conn.execute(TABLE_ACLS, {"role": APP_ROLE})).all()
    live = {table: frozenset(privileges) for table, _, privileges in rows}
    wanted = {table: privileges_for(table, protected=on) for table, on, _ in rows}
    assert live == wanted
    # and the identity tables are read-only for requests
    for table in ("users", "orgs", "teams", "team_members"):
        assert live[table] == {"SELECT"}, table


async def test_the_app_roles_column_privileges_are_exactly_the_allowlist(
    demo_db: Database,
) -> None:
    async with demo_db.engine.connect() as conn:
        rows = (await conn.execute(COLUMN_ACLS, {"role": APP_ROLE})).all()
    live = {(table, privilege): tuple(columns) for table, privilege, columns in rows}
    wanted = {
        (table, privilege): tuple(sorted(columns))
        for table, granted in COLUMN_PRIVILEGES.items()
        for privilege, columns in granted.items()
    }
    assert live == wanted


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
