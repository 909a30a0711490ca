"""The operator commands, run as a user would: through ``accountlens`` against a real database."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from accountlens.db.engine import Database
from tests.auth.helpers import People, connect, settings_for


def accountlens(
    db: Database, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "ACCOUNTLENS_DATABASE_URL": db.url.render_as_string(hide_password=False),
        "COLUMNS": "200",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "accountlens.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


async def test_operators_add_an_org_and_users_change_roles_and_disable_them(
    fresh_db: Database,
) -> None:
    assert accountlens(fresh_db, "orgs", "add", "initech", "--name", "Initech").returncode == 0
    password = "a long enough password\n" * 2
    added = accountlens(
        fresh_db,
        "users",
        "add",
        "pat@initech.test",
        "--org",
        "initech",
        "--name",
        "Pat",
        stdin=password,
    )
    assert added.returncode == 0, added.stderr
    assert (
        accountlens(
            fresh_db, "users", "set-role", "pat@initech.test", "admin", "--org", "initech"
        ).returncode
        == 0
    )
    assert (
        accountlens(fresh_db, "users", "disable", "pat@initech.test", "--org", "initech").returncode
        == 0
    )
    listed = accountlens(fresh_db, "users", "list", "--org", "initech")
    assert "pat@initech.test" in listed.stdout
    assert "admin" in listed.stdout
    assert "disabled" in listed.stdout
    assert "initech" in accountlens(fresh_db, "orgs", "list").stdout


async def test_a_short_password_or_unknown_org_is_refused_with_a_message(
    fresh_db: Database,
) -> None:
    accountlens(fresh_db, "orgs", "add", "initech")
    short = accountlens(
        fresh_db, "users", "add", "pat@initech.test", "--org", "initech", stdin="short\nshort\n"
    )
    assert short.returncode == 1
    assert "at least 12" in short.stderr
    unknown = accountlens(
        fresh_db,
        "users",
        "add",
        "pat@x.test",
        "--org",
        "nope",
        stdin="a long enough password\n" * 2,
    )
    assert unknown.returncode == 1
    assert "no org" in unknown.stderr


async def test_operators_revoke_every_connection_of_a_user_of_a_client_or_of_an_org(
    fresh_db: Database, people: People, client: httpx.AsyncClient
) -> None:
    # given Bob connected twice, Carol and Alice once each
    tokens: dict[str, str] = {}
    clients: dict[str, str] = {}
    for label, person in (("bob", people.bob), ("bob again", people.bob),
                          ("carol", people.carol), ("alice", people.alice)):  # fmt: skip
        client.cookies.clear()
        clients[label], tokens[label] = await connect(client, person.email, label)

    # when an operator revokes Bob's connections, then those of Carol's client
    by_user = accountlens(
        fresh_db, "connections", "revoke", "--org", "acme", "--user", people.bob.email
    )
    by_client = accountlens(fresh_db, "connections", "revoke", "--client", clients["carol"])
    listed = accountlens(fresh_db, "connections", "list", "--org", "acme")

    # then those tokens are refused on their next request, and only Alice's still works
    assert "Revoked 2 connections" in by_user.stdout, by_user.stderr
    assert "Revoked 1 connection." in by_client.stdout, by_client.stderr
    statuses = {
        label: (await client.get("/mcp/", headers={"Authorization": f"Bearer {token}"})).status_code
        for label, token in tokens.items()
    }
    assert statuses == {"bob": 401, "bob again": 401, "carol": 401, "alice": 200}
    assert people.alice.email in listed.stdout
    assert people.bob.email not in listed.stdout
    assert people.carol.email not in listed.stdout

    # and revoking everything of the org leaves nothing working
    everything = accountlens(fresh_db, "connections", "revoke", "--all", "--org", "acme")
    assert "Revoked 1 connection." in everything.stdout, everything.stderr
    alice = {"Authorization": f"Bearer {tokens['alice']}"}
    assert (await client.get("/mcp/", headers=alice)).status_code == 401


async def test_an_operator_creates_a_service_token_for_an_admin_that_reads_graphql(
    fresh_db: Database, people: People, client: httpx.AsyncClient
) -> None:
    # given the server's secret key and public URL (the token's HMAC and audience use them)
    server = {"ACCOUNTLENS_SECRET_KEY": settings_for("http://127.0.0.1:8000").secret_key.get_secret_value(),
              "ACCOUNTLENS_PUBLIC_URL": "http://127.0.0.1:8000"}  # fmt: skip
    # when an operator creates a token reading as Alice (admin), and tries one for Bob (member)
    made = accountlens(
        fresh_db, "connections", "service-token", "--org", "acme",
        "--user", people.alice.email, "--name", "Billing export", env=server,
    )  # fmt: skip
    refused = accountlens(
        fresh_db, "connections", "service-token", "--org", "acme",
        "--user", people.bob.email, "--name", "Mine", env=server,
    )  # fmt: skip
    # then stdout holds the token alone, it reads /graphql as Alice, and Bob gets none
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    answer = await client.post(
        "/graphql",
        json={"query": "{ me { role user { email } } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.json()["data"]["me"]["user"]["email"] == people.alice.email
    assert refused.returncode == 1
    assert "not an active admin" in refused.stderr
    assert refused.stdout == ""
