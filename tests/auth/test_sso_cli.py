"""``accountlens sso set|show|remove``, run as an operator would, against a real database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from accountlens.auth.sso_secrets import unseal
from accountlens.config import DEVELOPMENT_SECRET_KEY
from accountlens.db.engine import Database
from accountlens.db.models import SsoConfig
from tests.auth.helpers import People
from tests.auth.test_cli import accountlens

SECRET = "the-client-secret-from-the-provider"


async def test_an_operator_sets_sso_with_a_secret_file_that_is_stored_encrypted_and_never_shown(
    fresh_db: Database, people: People, tmp_path: Path
) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    base = ["sso", "set", "--org", "acme", "--issuer", "https://login.acme.example/"]
    set_up = accountlens(
        fresh_db,
        *base,
        "--client-id",
        "accountlens",
        "--client-secret-file",
        str(secret_file),
        "--domain",
        "ACME.test",
        "--jit",
        "--no-local-passwords",
    )
    assert set_up.returncode == 0, set_up.stderr
    shown = accountlens(fresh_db, "sso", "show")
    assert "https://login.acme.example" in shown.stdout
    assert "acme.test" in shown.stdout
    assert "on (member)" in shown.stdout
    assert SECRET not in shown.stdout + shown.stderr + set_up.stdout
    async with fresh_db.sessions() as session:
        config = await session.scalar(select(SsoConfig))
    assert config is not None
    assert SECRET.encode() not in config.client_secret
    key = DEVELOPMENT_SECRET_KEY.encode()
    assert unseal(key, config.org_id, "accountlens", config.client_secret) == SECRET
    # another org cannot claim the same domain; the org itself can drop SSO
    taken = accountlens(
        fresh_db,
        *base[:3],
        "globex",
        *base[4:],
        "--client-id",
        "g",
        "--client-secret-file",
        str(secret_file),
        "--domain",
        "acme.test",
    )
    assert taken.returncode == 1
    assert "acme.test already signs in to org 'acme'" in taken.stderr
    assert accountlens(fresh_db, "sso", "remove", "--org", "acme").returncode == 0
    assert "login.acme.example" not in accountlens(fresh_db, "sso", "show").stdout


async def test_an_http_issuer_off_loopback_is_refused(fresh_db: Database, people: People) -> None:
    refused = accountlens(
        fresh_db,
        *("sso", "set", "--org", "acme", "--issuer", "http://login.acme.example"),
        *("--client-id", "c", "--domain", "acme.test"),
    )
    assert refused.returncode == 1
    assert "https URL" in refused.stderr
