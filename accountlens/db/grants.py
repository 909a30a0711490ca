"""The app role's privileges, as an allowlist: what requests may do, and nothing more.

Requests run as the app role (``DATABASE_URL``); migrations, demo builds, imports and the
operator commands (``accountlens users …``, ``orgs …``) run as the owner. The app role
therefore reads customer data (row-level security scopes it to one org), reads the identity
tables except password hashes, and writes only what sign-in, OAuth, rate limiting and the
audit log write. It cannot change anyone's role, an org's settings or a team: an ``UPDATE users
SET role = 'admin'`` through a bug or an injection is refused by the database. Those changes,
and everything that touches a password hash, go through the SECURITY DEFINER functions of
migration 0020, which check who asks; the admin pages' other changes (invites, disabling,
teams, the token lifetime ceiling) go through the owner's connection, one audited function per
action (``accountlens.auth.admin``). ``tests/db/test_grants.py`` compares the live
privileges with these tables, so a new table or function must be added here on purpose.
"""

from __future__ import annotations

#: Privileges per table (``SELECT, INSERT, UPDATE, DELETE``), where not the default below.
TABLE_PRIVILEGES: dict[str, frozenset[str]] = {
    "alembic_version": frozenset({"SELECT"}),
    # Identity: read by sign-in and token checks; written only by the owner's commands.
    "orgs": frozenset({"SELECT"}),
    # ``users``: SELECT on every column but the hidden ones (HIDDEN_COLUMNS), nothing more.
    "users": frozenset(),
    "teams": frozenset({"SELECT"}),
    "team_members": frozenset({"SELECT"}),
    # OAuth and its bookkeeping: registration, codes, connections, revocation, rate limits.
    "oauth_clients": frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"}),
    "oauth_authorization_codes": frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"}),
    "connections": frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"}),
    "rate_limit_buckets": frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"}),
    # Browser sessions: started at sign-in, ended by sign-out, a password change or an admin.
    "web_sessions": frozenset({"SELECT", "INSERT", "DELETE"}),
    # Field-level security: an admin's mutation hides (INSERT) and shows again (DELETE) a field,
    # row-level security keeping both inside the bound org.
    "field_security": frozenset({"SELECT", "INSERT", "DELETE"}),
    # Single sign-on: the org's provider is set by the owner's `accountlens sso set`; sign-ins
    # in flight are written at the redirect to the provider and claimed once on the way back.
    "sso_configs": frozenset({"SELECT"}),
    "sso_attempts": frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"}),
    # The audit logs are append-only for the app.
    "mcp_tool_calls": frozenset({"SELECT", "INSERT"}),
    "admin_audit": frozenset({"SELECT", "INSERT"}),
    # Invite and reset links: made by an admin's action (the owner path), redeemed (deleted)
    # by the person who holds one, who sets their own password with it.
    "account_links": frozenset({"SELECT", "DELETE"}),
}

#: Columns the app role may not read: it gets column SELECT on the table's other columns (so a
#: new column is readable, a hidden one never is). Password hashes are reached only through
#: the sign-in functions below, which hand out a verdict, never the hash.
HIDDEN_COLUMNS: dict[str, frozenset[str]] = {
    "users": frozenset({"password_hash"}),
}

#: Column privileges on top of the table privileges. None on ``users``: rehashing on sign-in
#: and a password change go through ``accountlens_replace_password_hash``. Admins change
#: their org's SSO provider, but not its domains.
COLUMN_PRIVILEGES: dict[str, dict[str, tuple[str, ...]]] = {
    # An org admin changes their org's provider (GraphQL `updateSingleSignOn`), never which
    # e-mail domains sign in through it: those stay the operator's (`accountlens sso set`).
    "sso_configs": {
        "UPDATE": (
            "issuer",
            "client_id",
            "client_secret",
            "jit_provisioning",
            "default_role",
            "local_passwords_disabled",
            "updated_at",
        )
    },
}

#: Functions the app role may EXECUTE, all SECURITY DEFINER and owned by the owner; PUBLIC may
#: execute none of them, and any other ``accountlens_*`` function is the owner's alone.
FUNCTION_PRIVILEGES: tuple[str, ...] = (
    # single sign-on (migration 0015) creates a user or records their provider subject only as
    # the org's SSO settings allow, while a plain ``INSERT INTO users`` stays refused
    "sso_provision_user(uuid, text, text, text)",
    "sso_link_user(uuid, uuid, text)",
    # sign-in (0020): per account of an e-mail the hash minus its digest, then a verdict
    "accountlens_password_salts(text)",
    "accountlens_password_matches(uuid, uuid, text)",
    # rehash on sign-in and a person's own password change, both proving the current password
    "accountlens_replace_password_hash(uuid, uuid, text, text)",
    # admin writes, checked in the database: the actor is an active admin of the same org
    "accountlens_set_user_role(uuid, uuid, uuid, text)",
    "accountlens_update_org(uuid, uuid, text, text, text)",
)

#: Tables under row-level security hold customer data: the app reads them, never writes.
CUSTOMER_DATA = frozenset({"SELECT"})

#: A table this list does not know yet (a new migration) keeps the earlier default, so the
#: app keeps working, and the allowlist test fails until someone decides its privileges.
UNLISTED_DEFAULT = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"})


def privileges_for(table: str, *, protected: bool) -> frozenset[str]:
    """What the app role gets on ``table`` (``protected``: row-level security is on)."""
    if table in TABLE_PRIVILEGES:
        return TABLE_PRIVILEGES[table]
    return CUSTOMER_DATA if protected else UNLISTED_DEFAULT
