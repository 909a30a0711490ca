"""The authorization server's knobs, derived from :class:`~accountlens.config.Settings`.

Kept apart from ``Settings`` so tests can change what operators should never need to (allowing
loopback client-metadata URLs, trusting a test CA, tightening rate limits) without new
environment variables. Nothing here touches the database, so the web layer may import it.
"""

from __future__ import annotations

import math
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from accountlens.config import Settings

READ_SCOPE = "read"
"""The only scope: every connection is read-only."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``limit`` hits per fixed ``window``, the windows counted by ``clock``."""

    limit: int
    window: timedelta
    # Always the wall clock in production. Tests pin it mid-window, so that a burst of requests
    # lands in one window without waiting for a fresh one to start.
    clock: Callable[[], datetime] = field(default=_utc_now, compare=False, repr=False)

    def current_window(self) -> tuple[datetime, int]:
        """The start of the window the clock is in, and the seconds until it ends (at least 1)."""
        moment = self.clock().timestamp()
        seconds = int(self.window.total_seconds())
        start = int(moment) // seconds * seconds
        return datetime.fromtimestamp(start, UTC), max(1, math.ceil(start + seconds - moment))


@dataclass(frozen=True)
class AuthOptions:
    """Everything the auth package needs to know about this deployment."""

    public_url: str
    secret_key: bytes
    access_token_ttl: timedelta = timedelta(days=90)
    code_ttl: timedelta = timedelta(minutes=5)
    session_ttl: timedelta = timedelta(days=14)
    invite_link_ttl: timedelta = timedelta(hours=72)
    reset_link_ttl: timedelta = timedelta(minutes=60)
    audit_export_max_rows: int = 10_000
    # From a matching password to picking the workspace (one e-mail in several orgs).
    workspace_choice_ttl: timedelta = timedelta(minutes=10)
    last_used_resolution: timedelta = timedelta(minutes=1)
    # Client ID Metadata Documents: SSRF guards and cache.
    allow_private_client_metadata_hosts: bool = False
    client_metadata_tls: ssl.SSLContext | bool = True
    client_metadata_max_bytes: int = 5 * 1024
    client_metadata_timeout_seconds: float = 5.0
    client_metadata_cache_ttl: timedelta = timedelta(minutes=10)
    # Rate limits, state in PostgreSQL (defaults: Settings'). Sign-in counts failures only.
    sign_in_per_address: RateLimit = field(
        default_factory=lambda: RateLimit(30, timedelta(minutes=15))
    )
    sign_in_per_email: RateLimit = field(
        default_factory=lambda: RateLimit(10, timedelta(minutes=15))
    )
    # New clients only: a registration identical to an existing client re-issues that client.
    registrations_per_address: RateLimit = field(
        default_factory=lambda: RateLimit(300, timedelta(hours=1))
    )
    registrations_global: RateLimit = field(
        default_factory=lambda: RateLimit(3000, timedelta(hours=1))
    )
    unused_client_max_age: timedelta = timedelta(days=7)
    # Single sign-on (OpenID Connect); `sso_tls` is what provider calls verify TLS with.
    sso_attempt_ttl: timedelta = timedelta(minutes=10)
    # Sign-ins sent to a provider, per address (each stores an attempt row); all count.
    sso_starts_per_address: RateLimit = field(
        default_factory=lambda: RateLimit(60, timedelta(minutes=15))
    )
    sso_http_timeout_seconds: float = 5.0
    sso_metadata_cache_ttl: timedelta = timedelta(minutes=5)
    sso_clock_leeway_seconds: int = 60
    sso_tls: ssl.SSLContext | bool = True
    # Bearer requests (``/mcp`` and ``/graphql``) per connection, counted in one-minute windows.
    requests_per_connection: RateLimit = field(
        default_factory=lambda: RateLimit(600, timedelta(minutes=1))
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthOptions:
        sign_in = timedelta(seconds=settings.sign_in_failure_window_seconds)
        register = timedelta(seconds=settings.registration_limit_window_seconds)
        return cls(
            public_url=settings.public_url.rstrip("/"),
            secret_key=settings.secret_key.get_secret_value().encode(),
            access_token_ttl=timedelta(days=settings.access_token_ttl_days),
            session_ttl=timedelta(days=settings.session_ttl_days),
            invite_link_ttl=timedelta(hours=settings.invite_link_ttl_hours),
            reset_link_ttl=timedelta(minutes=settings.reset_link_ttl_minutes),
            audit_export_max_rows=settings.audit_export_max_rows,
            sign_in_per_address=RateLimit(settings.sign_in_failure_limit_per_address, sign_in),
            sign_in_per_email=RateLimit(settings.sign_in_failure_limit_per_email, sign_in),
            registrations_per_address=RateLimit(settings.registration_limit_per_address, register),
            registrations_global=RateLimit(settings.registration_limit_global, register),
            unused_client_max_age=timedelta(hours=settings.unused_client_max_age_hours),
            sso_attempt_ttl=timedelta(seconds=settings.sso_attempt_ttl_seconds),
            sso_starts_per_address=RateLimit(settings.sso_start_limit_per_address, sign_in),
            sso_http_timeout_seconds=settings.sso_http_timeout_seconds,
            sso_metadata_cache_ttl=timedelta(seconds=settings.sso_metadata_cache_seconds),
            sso_clock_leeway_seconds=settings.sso_clock_leeway_seconds,
            requests_per_connection=RateLimit(
                settings.mcp_rate_limit_per_minute, timedelta(minutes=1)
            ),
        )

    @property
    def issuer(self) -> str:
        """RFC 8414 issuer identifier: the public URL, no trailing slash."""
        return self.public_url.rstrip("/")

    @property
    def resource(self) -> str:
        """The RFC 8707 resource indicator every token is bound to: the MCP endpoint."""
        return f"{self.issuer}/mcp"

    @property
    def graphql_resource(self) -> str:
        """What internal apps' service tokens are bound to: the GraphQL endpoint, not MCP."""
        return f"{self.issuer}/graphql"

    @property
    def resource_metadata_url(self) -> str:
        """RFC 9728 metadata for the MCP resource, path-inserted."""
        return f"{self.issuer}/.well-known/oauth-protected-resource/mcp"

    @property
    def sso_callback_url(self) -> str:
        """Where OpenID providers send people back (the redirect URI to register there)."""
        return f"{self.issuer}/sign-in/sso/callback"

    @property
    def over_https(self) -> bool:
        return urlsplit(self.public_url).scheme == "https"

    @property
    def session_cookie_name(self) -> str:
        # The __Host- prefix pins the cookie to this host, path / and Secure (browsers enforce it).
        return "__Host-accountlens_session" if self.over_https else "accountlens_session"
