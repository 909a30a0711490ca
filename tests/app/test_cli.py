"""What the ``accountlens`` command tells a person trying the demo."""

from __future__ import annotations

import pytest

from accountlens.cli import _stored_demo_logins, print_logins
from accountlens.db.engine import Database
from accountlens.ingest.demo.cast import named_logins


async def test_serve_lists_the_named_demo_sign_ins_present_in_the_database(
    demo_db: Database,
) -> None:
    logins = await _stored_demo_logins(demo_db)
    assert [login.email for login in logins] == [login.email for login in named_logins()]
    assert {login.org_name for login in logins} == {"Northwind Analytics", "Contoso Cloud"}
    assert {login.role for login in logins} == {"admin", "member"}


async def test_a_database_without_the_demo_lists_no_sign_ins(fresh_db: Database) -> None:
    assert await _stored_demo_logins(fresh_db) == []


def test_sign_ins_print_on_one_line_each_with_email_and_password(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_logins(named_logins(), sign_in_url="http://127.0.0.1:8000/")
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/" in out
    for login in named_logins():
        line = next(line for line in out.splitlines() if login.email in line)
        assert login.password in line
