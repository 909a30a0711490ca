"""The operator commands, run as a user would: through ``accountlens`` against a real database."""

from __future__ import annotations

import os
import subprocess
import sys

from accountlens.db.engine import Database


def accountlens(db: Database, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "ACCOUNTLENS_DATABASE_URL": db.url.render_as_string(hide_password=False),
        "COLUMNS": "200",
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
