"""Commands find the server's embedded database, or refuse instead of creating a second one."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from accountlens.cli import app
from accountlens.config import Settings
from accountlens.db import datadir
from accountlens.db.datadir import DataDirNotFoundError, locate_data_dir


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with no database configured, and no project checkout to fall
    back to (the real checkout may hold a developer's database)."""
    for name in ("DATABASE_URL", "ACCOUNTLENS_DATABASE_URL", "ACCOUNTLENS_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(datadir, "PROJECT_ROOT", tmp_path / "checkout")
    work = tmp_path / "somewhere" / "else"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    return work


def fake_database(data_dir: Path) -> Path:
    (data_dir / "pgdata").mkdir(parents=True)
    (data_dir / "pgdata" / "PG_VERSION").write_text("18\n")
    return data_dir


def test_a_command_run_in_a_subfolder_finds_the_database_of_a_parent_folder(
    elsewhere: Path,
) -> None:
    server_dir = fake_database(elsewhere.parent.parent / ".accountlens")

    settings = locate_data_dir(Settings(), may_create=False)

    assert settings.data_dir == server_dir


def test_a_command_run_outside_the_checkout_finds_the_checkouts_database(
    elsewhere: Path,
) -> None:
    checkout = datadir.PROJECT_ROOT
    assert checkout is not None
    server_dir = fake_database(checkout / ".accountlens")

    settings = locate_data_dir(Settings(), may_create=False)

    assert settings.data_dir == server_dir


def test_a_configured_data_dir_is_the_only_place_looked_at(
    elsewhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_database(elsewhere / ".accountlens")  # would be found if the setting were ignored
    monkeypatch.setenv("ACCOUNTLENS_DATA_DIR", str(elsewhere / "configured"))

    with pytest.raises(DataDirNotFoundError, match="ACCOUNTLENS_DATA_DIR="):
        locate_data_dir(Settings(), may_create=False)


def test_import_with_no_database_anywhere_refuses_saying_where_it_looked_and_creates_nothing(
    elsewhere: Path,
) -> None:
    # given
    data = elsewhere / "data"
    data.mkdir()
    (data / "accounts.jsonl").write_text('{"external_id": "a", "name": "A"}\n')

    # when
    result = CliRunner().invoke(app, ["import", str(data), "--org", "acme", "--create-org", "Acme"])

    # then
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert str(elsewhere / ".accountlens") in message
    assert "parent directories" in message
    assert "ACCOUNTLENS_DATA_DIR" in message
    assert not (elsewhere / ".accountlens").exists()
    assert "Traceback" not in result.output


def test_operator_commands_refuse_too_rather_than_create_a_database(elsewhere: Path) -> None:
    result = CliRunner().invoke(app, ["orgs", "list"])

    assert result.exit_code == 2
    assert "no embedded database found" in " ".join(result.stderr.split())
    assert not (elsewhere / ".accountlens").exists()
