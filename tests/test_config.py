"""Settings refuse configurations that would be unsafe outside a developer laptop."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from accountlens.config import Settings


def test_development_defaults_work_on_loopback() -> None:
    settings = Settings(_env_file=None)
    assert settings.public_url.startswith("http://127.0.0.1")
    assert settings.access_token_ttl_days == 90


@pytest.mark.parametrize("url", ["http://accountlens.example.com", "http://10.0.0.5:8000"])
def test_plain_http_public_url_off_loopback_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="plain http"):
        Settings(public_url=url, _env_file=None)


@pytest.mark.parametrize("url", ["http://localhost:9000", "http://[::1]:8000", "http://127.0.0.2"])
def test_plain_http_on_loopback_is_allowed(url: str) -> None:
    assert Settings(public_url=url, _env_file=None).public_url == url


def test_production_refuses_the_default_secret_key() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(
            environment="production",
            public_url="https://lens.example.com",
            _env_file=None,
        )


def test_production_accepts_https_and_a_real_secret() -> None:
    settings = Settings(
        environment="production",
        public_url="https://lens.example.com",
        secret_key="x" * 48,
        _env_file=None,
    )
    assert settings.public_host == "lens.example.com"


def test_environment_variables_configure_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCOUNTLENS_ACCESS_TOKEN_TTL_DAYS", "30")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.internal/lens")
    settings = Settings(_env_file=None)
    assert settings.access_token_ttl_days == 30
    assert settings.database_url is not None
    assert "db.internal" in settings.database_url.get_secret_value()
    assert "db.internal" not in repr(settings)


def test_tls_certificate_without_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="TLS_KEY"):
        Settings(tls_cert="/tmp/cert.pem", _env_file=None)


def test_cors_origins_come_from_a_json_list_and_anything_but_an_origin_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACCOUNTLENS_CORS_ORIGINS", '["https://inspector.example:8443"]')
    assert Settings(_env_file=None).cors_origins == ["https://inspector.example:8443"]
    for bad in ("*", "https://app.example/", "https://app.example/path", "inspector.example"):
        with pytest.raises(ValidationError):
            Settings(_env_file=None, cors_origins=[bad])
