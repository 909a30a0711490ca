"""The app role's privileges are exactly the committed allowlist (``accountlens/db/grants.py``).

Read from PostgreSQL's own catalogs (table, column and function ACLs), after the grants that
every start applies; and tried for real: the writes the issue found possible are refused, and
no statement of the app role reads a password hash.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from accountlens.db.engine import Database
from accountlens.db.grants import COLUMN_PRIVILEGES, FUNCTIONS, HIDDEN_COLUMNS, privileges_for
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

#: Our functions (``accountlens_*``) and who besides their owner may execute each.
FUNCTION_ACLS = text(
    "SELECT p.oid::regprocedure::text, "
    "  has_function_privilege(:role, p.oid, 'EXECUTE'), "
    "  coalesce(bool_or(a.grantee = 0), p.proacl IS NULL) "
    "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
    "LEFT JOIN LATERAL aclexplode(p.proacl) a ON true "
    "WHERE n.nspname = 'public' AND p.proname LIKE 'accountlens\\_%' "
    "GROUP BY p.oid"
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


async def test_the_app_role_executes_exactly_the_listed_functions_and_public_none(
    demo_db: Database,
) -> None:
    async with demo_db.engine.connect() as conn:
        rows = (await conn.execute(FUNCTION_ACLS, {"role": APP_ROLE})).all()
    executable = {signature for signature, app_may, _ in rows if app_may}
    assert executable == {f.replace(" ", "") for f in FUNCTIONS}  # the catalog spells no spaces
    # PUBLIC (every role) may execute none of them: a SECURITY DEFINER function runs as the owner
    assert [signature for signature, _, public_may in rows if public_may] == []
    # and the helper the admin functions share is the owner's alone
    assert "accountlens_require_admin(uuid,uuid)" in {s for s, _, _ in rows} - executable


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
    ],
)
async def test_the_app_role_cannot_change_roles_orgs_teams_or_the_audit_log(
    demo_db: Database, statement: str
) -> None:
    async with demo_db.read_engine.connect() as conn:
        with pytest.raises(ProgrammingError, match="permission denied"):
            await conn.execute(text(statement))
