"""Configuration, read from ``ACCOUNTLENS_*`` environment variables and an optional ``.env`` file.

Every setting has a default that is safe for a developer laptop. Outside ``development`` the
process refuses to start with a default secret key or with a plain-http public URL that is not a
loopback address, because either would silently weaken every token and cookie we issue.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-change-me"  # noqa: S105 - the refused default

Environment = Literal["development", "test", "production"]


def is_loopback_host(host: str | None) -> bool:
    """True for ``localhost`` and any loopback IP (``127.0.0.0/8``, ``::1``)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class UnsafeConfigurationError(ValueError):
    """The configuration would be insecure outside development."""


class Settings(BaseSettings):
    """All runtime settings. Field names map to ``ACCOUNTLENS_<NAME>`` variables."""

    model_config = SettingsConfigDict(
        env_prefix="ACCOUNTLENS_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    environment: Environment = "development"

    # Database. With no URL the embedded PostgreSQL is started in ``data_dir``.
    database_url: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ACCOUNTLENS_DATABASE_URL", "DATABASE_URL")
    )
    database_read_url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ACCOUNTLENS_DATABASE_READ_URL", "DATABASE_READ_URL"),
    )
    # The role that owns the schema: migrations, demo builds and imports run as it, and it grants
    # the app role (the DATABASE_URL user) what the app needs. Without it, DATABASE_URL does both
    # and row-level security is not enforced if that role owns the tables (a startup warning).
    database_owner_url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ACCOUNTLENS_DATABASE_OWNER_URL", "DATABASE_OWNER_URL"),
    )
    data_dir: Path = Path(".accountlens")
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_statement_timeout_ms: int = Field(default=15_000, ge=100)
    # What sits between the app and PostgreSQL: "transaction" for PgBouncer (or a managed
    # pooler) in transaction mode, where a server connection changes hands between transactions.
    db_pooler: Literal["none", "transaction"] = "none"

    # HTTP.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    public_url: str = "http://127.0.0.1:8000"
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET_KEY)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    trusted_proxies: list[str] = Field(default_factory=list)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] | None = None  # None: text in development, else json
    metrics_token: SecretStr | None = None

    # Tokens and responses.
    access_token_ttl_days: int = Field(default=90, ge=1, le=3650)
    session_ttl_days: int = Field(default=14, ge=1, le=365)
    # Admin pages: how long an invite link and a password-reset link stay valid (single use).
    invite_link_ttl_hours: int = Field(default=72, ge=1, le=720)
    reset_link_ttl_minutes: int = Field(default=60, ge=5, le=10_080)
    # The audit log: record IDs kept per tool call, and rows in one CSV export of the audit page.
    audit_max_record_ids: int = Field(default=100, ge=0, le=1000)
    audit_export_max_rows: int = Field(default=10_000, ge=1, le=1_000_000)
    token_budget: int = Field(default=10_000, ge=500, le=100_000)
    # Requests per minute per connection (bearer token), at /mcp and /graphql alike.
    mcp_rate_limit_per_minute: int = Field(default=600, ge=1, le=100_000)
    # What one /graphql request may ask for: root fields (each its own read) and, of those,
    # searches (keyword and semantic: the expensive ones).
    graphql_max_root_fields: int = Field(default=10, ge=1, le=1000)
    graphql_max_searches: int = Field(default=3, ge=1, le=1000)
    # Browser origins allowed to call /mcp cross-origin (CORS); the public OAuth and metadata
    # endpoints answer any origin without this.
    cors_origins: list[str] = Field(default_factory=list)

    # Authorization-server limits (state in PostgreSQL, shared by every replica). Identical
    # registrations are deduplicated and never count; see docs/security.md.
    registration_limit_per_address: int = Field(default=300, ge=1)
    registration_limit_global: int = Field(default=3000, ge=1)
    registration_limit_window_seconds: int = Field(default=3600, ge=1)
    unused_client_max_age_hours: int = Field(default=168, ge=1)
    sign_in_failure_limit_per_address: int = Field(default=30, ge=1)
    sign_in_failure_limit_per_email: int = Field(default=10, ge=1)
    sign_in_failure_window_seconds: int = Field(default=900, ge=1)
    # Single sign-on (OpenID Connect): how long a sign-in may stay at the provider, how long
    # one call to the provider may take, how long its discovery document and keys are cached,
    # and the clock skew tolerated on ID token times.
    sso_start_limit_per_address: int = Field(default=60, ge=1)  # per sign-in window
    sso_attempt_ttl_seconds: int = Field(default=600, ge=30, le=3600)
    sso_http_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    sso_metadata_cache_seconds: int = Field(default=300, ge=0, le=86_400)
    sso_clock_leeway_seconds: int = Field(default=60, ge=0, le=600)
    #: Lists count at most this many matches (then the total is a lower bound); 0 = exact.
    list_total_cap: int = Field(default=10_000, ge=0, le=100_000_000)
    #: Keyword search reads at most this many candidates per type and tier (name prefix /
    #: other matches), then says its total is a lower bound; 0 = every match (docs/tools.md).
    search_candidate_cap: int = Field(default=1_000, ge=0, le=100_000_000)

    # Embeddings: the bundled local model, or an OpenAI-compatible endpoint.
    embedding_backend: Literal["local", "openai"] = "local"
    embedding_url: str | None = None
    embedding_model: str = "text-embedding-3-small"
    embedding_api_key: SecretStr | None = None
    embedding_batch_size: int = Field(default=64, ge=1, le=2048)
    #: ``accountlens import`` reads, checks and writes a file this many rows at a time, so
    #: its memory does not grow with the file.
    import_batch_rows: int = Field(default=2_000, ge=1, le=100_000)
    #: ``--source transcripts`` reads each transcript file whole: a larger file is refused (by
    #: name) instead of being read into memory.
    import_max_transcript_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)

    @property
    def json_logs(self) -> bool:
        if self.log_format is None:
            return not self.is_development
        return self.log_format == "json"

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @property
    def public_host(self) -> str:
        return urlsplit(self.public_url).hostname or ""

    @property
    def pgdata_dir(self) -> Path:
        return self.data_dir / "pgdata"

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Settings:
        url = urlsplit(self.public_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise UnsafeConfigurationError(
                f"ACCOUNTLENS_PUBLIC_URL must be an absolute http(s) URL, got {self.public_url!r}"
            )
        if url.scheme == "http" and not is_loopback_host(url.hostname):
            # Refused in every environment: tokens would cross the network in the clear.
            raise UnsafeConfigurationError(
                "ACCOUNTLENS_PUBLIC_URL uses plain http on a non-loopback host "
                f"({url.hostname}); use https, or a loopback address for local work"
            )
        if self.environment == "production":
            secret = self.secret_key.get_secret_value()
            if secret == DEVELOPMENT_SECRET_KEY or len(secret) < 32:
                raise UnsafeConfigurationError(
                    "ACCOUNTLENS_SECRET_KEY must be set to a random value of at least 32 "
                    "characters in production (e.g. `python -c 'import secrets; "
                    "print(secrets.token_urlsafe(48))'`)"
                )
        if (self.tls_cert is None) != (self.tls_key is None):
            raise UnsafeConfigurationError(
                "ACCOUNTLENS_TLS_CERT and ACCOUNTLENS_TLS_KEY go together"
            )
        for origin in self.cors_origins:
            parts = urlsplit(origin)
            if (
                parts.scheme not in ("http", "https")
                or not parts.hostname
                or origin != (f"{parts.scheme}://{parts.netloc}")
            ):
                raise UnsafeConfigurationError(
                    "ACCOUNTLENS_CORS_ORIGINS lists origins such as https://app.example "
                    f"(scheme, host and port only), got {origin!r}"
                )
        if self.embedding_backend == "openai" and not self.embedding_url:
            raise UnsafeConfigurationError(
                "ACCOUNTLENS_EMBEDDING_URL is required when ACCOUNTLENS_EMBEDDING_BACKEND=openai"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
