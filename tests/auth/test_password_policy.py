"""One password policy everywhere: the operator commands, the importer, invite and reset links,
a person's own change: at least 12 characters and none known from breaches."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from pydantic import SecretStr, TypeAdapter, ValidationError

from accountlens.auth.password_policy import (
    PasswordRejected,
    breached_passwords,
    check_password,
)
from accountlens.db.engine import Database
from accountlens.ingest.importer.fields import Password
from tests.auth.helpers import People, build_app, client_for, csrf_of, settings_for, sign_in
from tests.auth.test_cli import accountlens

GOOD = "a fresh and long passphrase"


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("elevenchars", "at least 12"),
        ("qwerty123456", "breached"),
        ("QWERTY123456", "breached"),  # the list is compared case-insensitively
        ("1q2w3e4r5t6y", "breached"),
        ("x" * 1025, "at most 1024"),
    ],
)
def test_the_policy_refuses_short_breached_and_huge_passwords(password: str, rule: str) -> None:
    with pytest.raises(PasswordRejected, match=rule):
        check_password(password)


def test_the_policy_takes_a_long_unbreached_password_and_ships_a_real_list() -> None:
    check_password(GOOD)
    assert len(breached_passwords()) > 20_000  # the package's list, not a handful of our own


@pytest.mark.parametrize("password", ["eight888", "qwerty123456"])
def test_the_importer_refuses_what_the_policy_refuses(password: str) -> None:
    # the import format used to take 8 characters; it now goes through the one policy
    adapter = TypeAdapter(Password)
    with pytest.raises(ValidationError):
        adapter.validate_python(SecretStr(password))
    assert adapter.validate_python(SecretStr(GOOD)).get_secret_value() == GOOD


async def test_the_operator_command_refuses_a_breached_password(fresh_db: Database) -> None:
    accountlens(fresh_db, "orgs", "add", "initech")
    breached = accountlens(
        fresh_db,
        "users",
        "add",
        "pat@initech.test",
        "--org",
        "initech",
        stdin="qwerty123456\nqwerty123456\n",
    )
    assert breached.returncode == 1
    assert "breached" in breached.stderr


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "accountlens.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


async def test_an_operator_prints_a_reset_link_that_sets_a_new_password_once(
    fresh_db: Database, people: People
) -> None:
    # given the operator prints carol's reset link (no mail server: they hand it over)
    settings = settings_for("http://127.0.0.1:8000")
    env = os.environ | {
        "ACCOUNTLENS_DATABASE_URL": fresh_db.url.render_as_string(hide_password=False),
        "ACCOUNTLENS_SECRET_KEY": settings.secret_key.get_secret_value(),
        "ACCOUNTLENS_PUBLIC_URL": "http://127.0.0.1:8000",
        "COLUMNS": "400",
    }
    printed = run_cli(env, "users", "reset-link", people.carol.email, "--org", "acme")
    assert printed.returncode == 0, printed.stderr
    url = printed.stdout.strip()
    assert url.startswith("http://127.0.0.1:8000/account/set-password?t=")
    # when carol opens it and sets a password
    async with client_for(build_app(fresh_db, "http://127.0.0.1:8000")) as carol:
        path = url.removeprefix("http://127.0.0.1:8000")
        form = await carol.get(path)
        assert form.status_code == 200
        data = {
            "t": path.split("t=", 1)[1],
            "new_password": GOOD,
            "confirm_password": GOOD,
            "csrf_token": csrf_of(form.text),
        }
        assert (await carol.post("/account/set-password", data=data)).status_code == 303
        # then it signs her in, and the link is spent
        assert (await sign_in(carol, people.carol.email, GOOD)).status_code == 303
    async with client_for(build_app(fresh_db, "http://127.0.0.1:8000")) as replay:
        token = csrf_of((await replay.get("/sign-in")).text)
        spent = await replay.post("/account/set-password", data=data | {"csrf_token": token})
        assert spent.status_code == 404
