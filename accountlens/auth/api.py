"""What the web layer may know about auth: plain values and the service protocol.

The web package must not reach the database, even indirectly (an import-linter contract), so it
imports only this module (and other database-free ones: options, sessions, principal) and gets
the implementation from ``app.state.auth_service``, which
:func:`accountlens.auth.install.install_auth` puts there.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, cast

from sqlalchemy.exc import DBAPIError
from starlette.requests import HTTPConnection

from accountlens.auth.options import AuthOptions
from accountlens.auth.principal import NOT_NARROWED, Narrowing, Principal, Role
from accountlens.auth.sessions import BrowserSession, PendingChoice

#: What a lost or unreachable database raises, for layers that may not import the driver.
DATABASE_UNAVAILABLE: tuple[type[BaseException], ...] = (DBAPIError, OSError, TimeoutError)


@dataclass(frozen=True, slots=True)
class RegisteredClient:
    """An OAuth client: registered dynamically, or described by a metadata document URL."""

    client_id: str
    client_name: str
    redirect_uris: tuple[str, ...]
    scope: str
    client_uri: str | None = None
    from_metadata_document: bool = False


@dataclass(frozen=True, slots=True)
class ConsentRequest:
    """A validated authorization request, ready for the consent page."""

    client: RegisteredClient
    redirect_uri: str
    redirect_host: str
    scope: str
    resource: str
    state: str | None


@dataclass(frozen=True, slots=True)
class AuthorizationError:
    """Why an authorization request failed; the user sees it on an error page.

    Never a redirect to the client: a request that fails validation has not been approved by
    a signed-in user, and redirecting it would make us an open redirector (RFC 9700 §4.11.2).
    """

    error: str
    description: str


@dataclass(frozen=True, slots=True)
class ConnectionView:
    """One row of the MCP Connections page."""

    id: uuid.UUID
    client_name: str
    client_id: str
    owner_name: str
    owner_email: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    owner_id: uuid.UUID | None = None
    redirect_host: str = ""
    scope: str = ""
    revoked_at: datetime | None = None
    revoked_by_name: str | None = None
    kind: str = "oauth"
    narrowing: Narrowing = NOT_NARROWED


@dataclass(frozen=True, slots=True)
class ConsentChoices:
    """What the person chose on the consent page besides "Allow": narrowing and expiry."""

    narrowing: Narrowing = NOT_NARROWED
    lifetime_days: int | None = None
    """None: the preselected expiry (:func:`accountlens.auth.lifetimes.default_lifetime`)."""


@dataclass(frozen=True, slots=True)
class IssuedServiceToken:
    """A new service token: ``token`` is shown once and stored nowhere."""

    id: uuid.UUID
    token: str
    expires_at: datetime


class SignInRefused(Exception):  # noqa: N818 - an outcome, not a programming error
    """Wrong credentials, a disabled user, or too many attempts; ``reason`` is user-facing."""

    def __init__(
        self, reason: str, *, retry_after: int | None = None, single_sign_on: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after  # seconds until the failure budget frees, when limited
        self.single_sign_on = single_sign_on  # the org signs in through its OpenID provider

    @property
    def retry_later(self) -> bool:
        return self.retry_after is not None


class SsoRefused(Exception):  # noqa: N818 - an outcome, not a programming error
    """Single sign-on did not sign the person in; ``reason`` is what the page says."""

    def __init__(self, reason: str, status_code: int = 403) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status_code = status_code


@dataclass(frozen=True, slots=True)
class SsoSignIn:
    """Whom single sign-on signed in, and the same-site path they were on their way to."""

    org_id: uuid.UUID
    user_id: uuid.UUID
    next_path: str


@dataclass(frozen=True, slots=True)
class SsoSettingsView:
    """An org's single sign-on settings as an admin may see them: never the client secret."""

    issuer: str
    client_id: str
    allowed_domains: tuple[str, ...]
    jit_provisioning: bool
    default_role: str
    local_passwords_disabled: bool
    callback_url: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SsoChanges:
    """What an org admin changes in their org's SSO settings; None leaves a setting as it is.

    The allowed domains are not among them: which org a domain signs in to is the operator's
    call (``accountlens sso set``), since a domain claimed by the wrong org would send other
    people to that org's provider and could turn their passwords off.
    """

    issuer: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    jit_provisioning: bool | None = None
    default_role: str | None = None
    local_passwords_disabled: bool | None = None


class SsoUpdateRefused(Exception):  # noqa: N818 - an outcome, not a programming error
    """The SSO settings cannot be changed like that; ``reason`` is user-facing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PasswordChangeRefused(Exception):  # noqa: N818 - an outcome, not a programming error
    """A wrong current password or a new one that breaks the rules; ``reason`` is user-facing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LinkHolder:
    """Whose invite or reset link this is, for the set-password page."""

    email: str
    org_name: str
    purpose: str  # invite | reset


class AdminWriteRefused(Exception):  # noqa: N818 - an outcome, not a programming error
    """The database refused an admin change (``auth/admin_writes.py``). ``kind`` says why:
    ``forbidden`` (the actor is not an active admin of the org), ``not_found`` (no such user
    in the org) or ``invalid`` (a value the rules refuse); ``reason`` is user-facing."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class AuthService(Protocol):
    """The operations behind the sign-in, consent and connections pages."""

    options: AuthOptions

    async def sign_in(self, email: str, password: str, address: str) -> list[Principal]:
        """Every account (one per org) these credentials open, at least one; or raise
        :class:`SignInRefused`. Several: the person picks the workspace."""
        ...

    async def sso_start(self, email: str, browser_nonce: str, next_path: str, address: str) -> str:
        """The URL of the provider of the org that claims the e-mail's domain, for a sign-in
        bound to this browser; or raise :class:`SsoRefused` (429: too many from ``address``)."""
        ...

    async def sso_finish(self, params: Mapping[str, str], browser_nonce: str) -> SsoSignIn:
        """Check what the provider sent back and find (or create) the person; or raise
        :class:`SsoRefused`."""
        ...

    async def sso_settings(self, principal: Principal) -> SsoSettingsView | None:
        """The SSO settings of the principal's org (None when it has none); admins only."""
        ...

    async def update_sso(self, principal: Principal, changes: SsoChanges) -> SsoSettingsView:
        """An admin changes their org's SSO settings, or :class:`SsoUpdateRefused`."""
        ...

    async def start_session(self, org_id: uuid.UUID, user_id: uuid.UUID) -> str | None:
        """A new server-side session for an active user; its id goes in the cookie only."""
        ...

    async def end_session(self, session: BrowserSession | None) -> None:
        """Sign-out: the session's row goes, so its cookie opens nothing any more."""
        ...

    async def principal_for_session(self, session: BrowserSession | None) -> Principal | None:
        """The signed-in, still active user of a live (not ended, not expired) session."""
        ...

    async def workspace_choices(self, choice: PendingChoice | None) -> list[Principal]:
        """The accounts of a pending choice that are still active, with their org names."""
        ...

    async def change_password(self, session: BrowserSession, current: str, new: str) -> None:
        """Change the signed-in user's password and end their other sessions, or raise
        :class:`PasswordChangeRefused`."""
        ...

    async def link_holder(self, token: str) -> LinkHolder | None:
        """The person a live invite or reset link is for; None when unknown, used or expired."""
        ...

    async def redeem_link(self, token: str, password: str) -> None:
        """Set the password through a link (once), or raise :class:`PasswordChangeRefused`."""
        ...

    async def sign_out_user(self, principal: Principal, user_id: uuid.UUID) -> int | None:
        """An admin ends every web session of a user of their org; returns how many, or None
        when there is no such user in the principal's org (or the principal is no admin)."""
        ...

    async def set_user_role(self, principal: Principal, user_id: uuid.UUID, role: Role) -> None:
        """An admin makes a user of their org an admin or a member; raises
        :class:`AdminWriteRefused` (checked in the database, whatever the caller checked)."""
        ...

    async def update_org(
        self,
        principal: Principal,
        *,
        name: str | None = None,
        account_visibility: str | None = None,
        timezone: str | None = None,
    ) -> None:
        """An admin changes their org's name, account visibility or time zone (None: keep);
        raises :class:`AdminWriteRefused`."""
        ...

    async def validate_authorization(
        self, params: Mapping[str, str], repeated: set[str]
    ) -> ConsentRequest | AuthorizationError:
        """Check an authorization request (client, redirect URI, PKCE, resource, scope)."""
        ...

    async def approve(
        self,
        principal: Principal,
        params: Mapping[str, str],
        choices: ConsentChoices = ConsentChoices(),
    ) -> str | AuthorizationError:
        """Issue a code for a re-validated request; returns the client redirect URL."""
        ...

    async def consent_lifetimes(self, principal: Principal) -> tuple[tuple[int, ...], int]:
        """The expiries (days) the consent page offers this person, and the preselected one."""
        ...

    async def create_service_token(
        self, principal: Principal, name: str, lifetime_days: int
    ) -> IssuedServiceToken | None:
        """An admin's new read-only token for an internal app; None for anyone else."""
        ...

    def deny(self, consent: ConsentRequest) -> str:
        """The redirect URL telling the client the user said no."""
        ...

    async def list_connections(self, principal: Principal) -> list[ConnectionView]:
        """Connections the principal may see: an admin's whole org, a member's own."""
        ...

    async def revoke_connection(self, principal: Principal, connection_id: uuid.UUID) -> bool:
        """Revoke a visible, live connection; False when there is none (hidden or unknown)."""
        ...

    async def revoke_connections(
        self, principal: Principal, *, owner_id: uuid.UUID | None, client_id: str | None
    ) -> int:
        """An admin revokes every live connection of one user or one client; how many."""
        ...


def get_auth_service(conn: HTTPConnection) -> AuthService:
    """The service installed on the app."""
    return cast(AuthService, conn.app.state.auth_service)
