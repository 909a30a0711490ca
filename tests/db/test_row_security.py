"""Row-level security: the database keeps orgs apart even when the application would not.

The app role reads customer data only inside a transaction scoped to the caller's org; these
tests remove the application's own org filter and show the database still refuses to leak.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text, true
from sqlalchemy.exc import ProgrammingError

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from accountlens.db.migrate import prepare_database
from accountlens.db.row_security import (
    APP_ROLE,
    TRUSTED_FUNCTIONS,
    bind_org,
    row_security_enforced,
)
from accountlens.resolvers import registry
from accountlens.resolvers.shapes import forget_built_statements
from accountlens.schema.ids import decode_id, encode_id
from tests.schema.demo import demo_principal
from tests.schema.helpers import data_of

#: Tables with an ``org_id`` that sign-in, token checks or the audit writer read or write outside
#: an org-bound transaction (the decision table is in migration 0020 and docs/security.md).
#: (``orgs`` itself has no ``org_id``: a principal's org row is read by its id.)
IDENTITY_AND_AUTH_TABLES = {
    "users",
    "oauth_clients",
    "oauth_authorization_codes",
    "connections",
    "rate_limit_buckets",
    "mcp_tool_calls",
    # SSO: the provider is found by the e-mail's domain, and a callback claims its attempt by
    # `state`, both before the person (and so the org) is known.
    "sso_configs",
    "sso_attempts",
    # Invitation and reset links are found by their secret before anyone is signed in; the
    # admin audit is written by the owner path of the admin pages and read through
    # auth/visibility.py (RLS on it is left for later, as for mcp_tool_calls).
    "account_links",
    "admin_audit",
}

#: GraphQL list field per registry type whose table row-level security protects.
LISTS = {
    "account": "accounts",
    "person": "people",
    "opportunity": "opportunities",
    "task": "tasks",
    "activity": "activities",
    "project": "projects",
    "ticket": "tickets",
    "document": "documents",
}


async def _protected_tables(db: Database) -> dict[str, bool]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT c.relname, c.relrowsecurity FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id' "
                "WHERE n.nspname = 'public' AND c.relkind = 'r'"
            )
        )
        return {name: bool(on) for name, on in rows.all()}


async def test_every_customer_table_is_protected(demo_db: Database) -> None:
    # given every table that carries an org
    tables = await _protected_tables(demo_db)
    # then all but the identity and auth tables have row-level security switched on
    unprotected = {name for name, on in tables.items() if not on}
    assert unprotected == IDENTITY_AND_AUTH_TABLES
    assert len(tables) - len(unprotected) >= 20


async def test_the_app_role_is_bound_by_the_policies(demo_db: Database) -> None:
    assert demo_db.read_engine.url.username == APP_ROLE
    assert await row_security_enforced(demo_db.read_engine)
    # the owner is not: that is why the app never connects as it
    assert not await row_security_enforced(demo_db.engine)


async def test_without_an_org_the_app_role_sees_no_customer_rows(demo_db: Database) -> None:
    tables = [name for name, on in (await _protected_tables(demo_db)).items() if on]
    async with demo_db.read_engine.connect() as conn:
        for table in tables:
            assert await conn.scalar(text(f"SELECT count(*) FROM {table}")) == 0, table


async def test_a_transaction_sees_only_its_own_org(demo_db: Database) -> None:
    # given both demo orgs
    async with demo_db.engine.connect() as conn:
        orgs: dict[str, uuid.UUID] = dict(
            (await conn.execute(text("SELECT slug, id FROM orgs"))).all()
        )
        owner_counts: dict[uuid.UUID, int] = dict(
            (await conn.execute(text("SELECT org_id, count(*) FROM accounts GROUP BY 1"))).all()
        )
    assert len(orgs) == 2
    for org_id in orgs.values():
        # when the app role scopes a transaction to one org and asks for every account
        async with demo_db.read_engine.connect() as conn:
            await bind_org(conn, org_id)
            seen: dict[uuid.UUID, int] = dict(
                (await conn.execute(text("SELECT org_id, count(*) FROM accounts GROUP BY 1"))).all()
            )
        # then it gets exactly that org's accounts
        assert seen == {org_id: owner_counts[org_id]}


@pytest.mark.parametrize("table", ["teams", "team_members"])
async def test_teams_and_their_members_are_seen_only_inside_their_own_org(
    demo_db: Database, table: str
) -> None:
    # given both demo orgs' teams, as the owner sees them
    async with demo_db.engine.connect() as conn:
        counts: dict[uuid.UUID, int] = dict(
            (await conn.execute(text(f"SELECT org_id, count(*) FROM {table} GROUP BY 1"))).all()
        )
    assert len(counts) == 2
    # when the app role reads every row without an org, then with each org in turn
    async with demo_db.read_engine.connect() as conn:
        unbound = await conn.scalar(text(f"SELECT count(*) FROM {table}"))
    assert unbound == 0
    for org_id, count in counts.items():
        async with demo_db.read_engine.connect() as conn:
            await bind_org(conn, org_id)
            seen: dict[uuid.UUID, int] = dict(
                (await conn.execute(text(f"SELECT org_id, count(*) FROM {table} GROUP BY 1"))).all()
            )
        # then it gets only the bound org's rows
        assert seen == {org_id: count}


async def test_the_app_role_cannot_write_customer_data(demo_db: Database) -> None:
    async with demo_db.engine.connect() as conn:
        org_id = await conn.scalar(text("SELECT id FROM orgs LIMIT 1"))
    for statement in (
        "UPDATE accounts SET name = 'x'",
        "DELETE FROM people",
        f"INSERT INTO groups (org_id, id, name, kind) VALUES ('{org_id}', gen_random_uuid(), "
        "'x', 'people')",
    ):
        async with demo_db.read_engine.connect() as conn:
            await bind_org(conn, org_id)
            with pytest.raises(ProgrammingError, match="permission denied"):
                await conn.execute(text(statement))


@pytest.fixture
def without_visibility(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    """Deliberately break the application: every type's visibility admits every row.

    Statements built while it is broken are forgotten afterwards, or the next test (on this
    worker) would be answered by them.
    """

    def admit_all(_: Principal) -> Any:
        return true()

    def apply() -> None:
        for key, spec in registry.SPECS.items():
            monkeypatch.setitem(registry.SPECS, key, dataclasses.replace(spec, visible=admit_all))
        forget_built_statements()

    yield apply
    forget_built_statements()


async def _org_of_ids(db: Database, type_key: str, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    table = registry.SPECS[type_key].model.__table__.name
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            text(f"SELECT DISTINCT org_id FROM {table} WHERE id = ANY(:ids)"), {"ids": ids}
        )
        return set(rows.scalars())


@pytest.mark.parametrize("label", ["narrow member", "open-org member"])
async def test_a_resolver_without_its_org_filter_still_returns_only_the_callers_org(
    demo_db: Database, without_visibility: Callable[[], None], label: str
) -> None:
    # given a member of one org, and the application's visibility filters removed
    email = {
        "narrow member": "katherine@northwind.example",
        "open-org member": "niels@contoso.example",
    }
    principal = await demo_principal(demo_db, email[label])
    without_visibility()
    for type_key, field in LISTS.items():
        # when the member lists that type
        query = f"{{ {field}(first: 100) {{ totalCount nodes {{ id }} }} }}"
        data = (await data_of(demo_db, principal, query))[field]
        ids = [decoded[1] for node in data["nodes"] if (decoded := decode_id(node["id"]))]
        # then every row (and the total) comes from the member's own org only
        assert ids, f"{type_key}: the org has rows of this type"
        assert await _org_of_ids(demo_db, type_key, ids) == {principal.org_id}, type_key
        async with demo_db.engine.connect() as conn:
            table = registry.SPECS[type_key].model.__table__.name
            in_org = await conn.scalar(
                text(f"SELECT count(*) FROM {table} WHERE org_id = :o"), {"o": principal.org_id}
            )
        assert data["totalCount"] == in_org, type_key


async def test_without_row_security_the_broken_resolver_would_leak(
    demo_db: Database, without_visibility: Callable[[], None]
) -> None:
    # The control for the test above: read as the owner, which policies do not bind, and the
    # same broken resolver returns the other org's accounts, so the test above can fail.
    principal = await demo_principal(demo_db, "niels@contoso.example")
    without_visibility()
    as_owner = Database(engine=demo_db.engine, read_engine=demo_db.engine)
    data = await data_of(as_owner, principal, "{ accounts(first: 100) { totalCount } }")
    async with demo_db.engine.connect() as conn:
        everyone = await conn.scalar(text("SELECT count(*) FROM accounts"))
    assert data["accounts"]["totalCount"] == everyone


async def test_an_other_orgs_id_is_not_found_even_without_the_filter(
    demo_db: Database, without_visibility: Callable[[], None]
) -> None:
    # given a Contoso account id and a Northwind member, with visibility filters removed
    principal = await demo_principal(demo_db, "katherine@northwind.example")
    async with demo_db.engine.connect() as conn:
        foreign = await conn.scalar(
            text("SELECT id FROM accounts WHERE org_id <> :o LIMIT 1"), {"o": principal.org_id}
        )
    without_visibility()
    # when the member looks it up by id
    data = await data_of(
        demo_db,
        principal,
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        ids=[encode_id("account", foreign)],
    )
    # then it does not exist for them
    assert data["nodes"] == [None]


async def test_search_functions_are_trusted_so_row_security_keeps_their_indexes(
    fresh_db: Database,
) -> None:
    # Under RLS, a predicate whose function is not LEAKPROOF cannot be an index condition:
    # keyword search on the large preset fell from a trigram index scan (48 ms) to a scan of
    # the whole org (1,460 ms). Preparing the database as a superuser owner marks them.
    # given a database where the functions are (as PostgreSQL ships them) not trusted
    async with fresh_db.engine.begin() as conn:
        for function in TRUSTED_FUNCTIONS:
            await conn.execute(text(f"ALTER FUNCTION {function} NOT LEAKPROOF"))
    # when the server prepares the database at start
    await prepare_database(fresh_db)
    # then each is trusted again
    async with fresh_db.engine.connect() as conn:
        for function in TRUSTED_FUNCTIONS:
            trusted = await conn.scalar(
                text("SELECT proleakproof FROM pg_proc WHERE oid = CAST(:f AS regprocedure)"),
                {"f": function},
            )
            assert trusted, function
