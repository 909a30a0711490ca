"""Single sign-on settings in the API: the ``singleSignOn`` query and ``updateSingleSignOn``.

Admins only, and from a signed-in browser only: a token (an MCP connection or an internal app)
is refused both, the mutation also by the request policy (tokens are read-only). The client
secret can be set but is never read back. Which e-mail domains sign in through the provider is
the operator's (``accountlens sso set``), so it is shown but not changeable here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from accountlens.auth.api import SsoChanges, SsoSettingsView, SsoUpdateRefused, get_auth_service
from accountlens.auth.principal import Principal
from accountlens.schema.errors import BadInputError, ForbiddenError
from accountlens.schema.types.base import AppInfo, field


@strawberry.type(
    description="Your org's OpenID Connect provider (the client secret is never shown)."
)
class SingleSignOn:
    issuer: str = strawberry.field(description="The provider's issuer URL.")
    client_id: str = strawberry.field(description="The client ID AccountLens has there.")
    allowed_domains: list[str] = strawberry.field(
        description="E-mail domains that sign in through it (set by the operator)."
    )
    jit_provisioning: bool = strawberry.field(
        description="Whether unknown people are created on their first sign-in."
    )
    default_role: str = strawberry.field(description="`admin` or `member`, for people created.")
    local_passwords_disabled: bool = strawberry.field(
        description="Whether password sign-in is refused for the org."
    )
    callback_url: str = strawberry.field(
        description="The redirect URI to register at the provider."
    )
    updated_at: datetime = strawberry.field(description="When the settings last changed.")

    @classmethod
    def of(cls, view: SsoSettingsView) -> SingleSignOn:
        return cls(
            issuer=view.issuer,
            client_id=view.client_id,
            allowed_domains=list(view.allowed_domains),
            jit_provisioning=view.jit_provisioning,
            default_role=view.default_role,
            local_passwords_disabled=view.local_passwords_disabled,
            callback_url=view.callback_url,
            updated_at=view.updated_at,
        )


@strawberry.input(
    description="Changes to your org's SSO settings; omitted fields stay as they are."
)
class SingleSignOnInput:
    issuer: str | None = None
    client_id: str | None = None
    client_secret: str | None = strawberry.field(
        default=None, description="Write-only; a new client ID needs it too."
    )
    jit_provisioning: bool | None = None
    default_role: str | None = None
    local_passwords_disabled: bool | None = None


def _admin_in_browser(principal: Principal, what: str) -> None:
    if principal.connection_id is not None:
        raise ForbiddenError(f"{what} needs a signed-in browser session, not a token")
    if not principal.is_admin:
        raise ForbiddenError(f"only admins may use {what}")


@strawberry.type
class SsoQuery:
    @field("Admins, from a signed-in browser: your org's SSO settings, or null when it has none.")
    async def single_sign_on(self, info: AppInfo) -> SingleSignOn | None:
        _admin_in_browser(info.context.principal, "singleSignOn")
        request: Any = info.context.request
        if request is None:
            return None
        view = await get_auth_service(request).sso_settings(info.context.principal)
        return SingleSignOn.of(view) if view else None


@strawberry.type
class SsoMutation:
    @field(
        "Admins, from a signed-in browser: change your org's SSO provider, just-in-time "
        "provisioning, default role or whether passwords are refused (not its domains)."
    )
    async def update_single_sign_on(self, info: AppInfo, input: SingleSignOnInput) -> SingleSignOn:
        _admin_in_browser(info.context.principal, "updateSingleSignOn")
        request: Any = info.context.request
        if request is None:
            raise ForbiddenError("updateSingleSignOn needs a signed-in browser session")
        changes = SsoChanges(
            issuer=input.issuer,
            client_id=input.client_id,
            client_secret=input.client_secret,
            jit_provisioning=input.jit_provisioning,
            default_role=input.default_role,
            local_passwords_disabled=input.local_passwords_disabled,
        )
        try:
            view = await get_auth_service(request).update_sso(info.context.principal, changes)
        except SsoUpdateRefused as refused:
            raise BadInputError(refused.reason, field="input") from None
        return SingleSignOn.of(view)
