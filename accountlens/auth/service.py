"""The database-backed :class:`~accountlens.auth.api.AuthService` the web pages call."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import fields

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accountlens.auth import (
    admin,
    admin_writes,
    connections,
    lifetimes,
    links,
    repository,
    service_tokens,
    sso_admin,
    sso_store,
    users,
    web_sessions,
)
from accountlens.auth.api import (
    AuthorizationError,
    ConnectionView,
    ConsentChoices,
    ConsentRequest,
    IssuedServiceToken,
    LinkHolder,
    PasswordChangeRefused,
    SignInRefused,
    SsoChanges,
    SsoRefused,
    SsoSettingsView,
    SsoSignIn,
)
from accountlens.auth.client_documents import ClientDocumentFetcher
from accountlens.auth.client_registry import ClientRegistry
from accountlens.auth.oauth_flows import OAuthFlows
from accountlens.auth.options import AuthOptions
from accountlens.auth.password_policy import PasswordRejected
from accountlens.auth.principal import Principal, Role
from accountlens.auth.resource import ConnectionTokenVerifier
from accountlens.auth.sessions import BrowserSession, PendingChoice, session_id_hash
from accountlens.auth.sso import SsoFlows
from accountlens.db.engine import Database

log = logging.getLogger(__name__)

SSO_ONLY = (
    "Your organisation signs in with single sign-on, not passwords: "
    "use \u201cSign in with SSO\u201d."
)


class DatabaseAuthService:
    """Sign-in, sessions, consent and connections over PostgreSQL."""

    def __init__(self, database: Callable[[], Database], options: AuthOptions) -> None:
        self._database = database
        self.options = options
        self.flows = OAuthFlows(database, options, ClientDocumentFetcher(options))
        self.verifier = ConnectionTokenVerifier(database, options)
        self.registry = ClientRegistry(database, options)
        self.sso = SsoFlows(database, options)

    async def sign_in(self, email: str, password: str, address: str) -> list[Principal]:
        """Only failures count against the limits: a team signing in from one office address,
        or a person signing in daily, never locks anyone out."""
        db = self._database()
        limits = (
            (repository.limiter_key("sign-in-ip", address), self.options.sign_in_per_address),
            (repository.limiter_key("sign-in-email", email), self.options.sign_in_per_email),
        )
        async with db.sessions() as session:
            config = await sso_store.config_for_domain(session, sso_store.domain_of(email))
            waits = [await repository.wait_for(session, key, rule) for key, rule in limits]
        if config is not None and config.local_passwords_disabled:
            raise SignInRefused(SSO_ONLY, single_sign_on=True)
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            raise SignInRefused(
                "Too many failed sign-in attempts. Wait a few minutes.", retry_after=wait
            )
        async with db.sessions() as session:
            matched = await users.authenticate(session, email, password)
            await session.commit()  # a rehashed password, if any
            sso_only = await sso_store.password_free_orgs(session, [u.org_id for u in matched])
        if matched and all(user.org_id in sso_only for user in matched):
            raise SignInRefused(SSO_ONLY, single_sign_on=True)
        matched = [user for user in matched if user.org_id not in sso_only]
        if not matched:
            # Counted in its own transaction, after the check: a failure always counts.
            async with db.sessions() as session:
                for key, rule in limits:
                    await repository.take(session, key, rule)
                await session.commit()
            raise SignInRefused("That e-mail and password do not match an active account.")
        return [repository.principal_of(user) for user in matched]

    async def sso_start(self, email: str, browser_nonce: str, next_path: str, address: str) -> str:
        key = repository.limiter_key("sso-start-ip", address)
        async with self._database().sessions() as session:
            wait = await repository.take(session, key, self.options.sso_starts_per_address)
            await session.commit()
        if wait is not None:
            raise SsoRefused(
                "Too many single sign-on attempts from your network. Wait a few minutes.", 429
            )
        return await self.sso.start(email, browser_nonce, next_path)

    async def sso_finish(self, params: Mapping[str, str], browser_nonce: str) -> SsoSignIn:
        return await self.sso.finish(params, browser_nonce)

    async def sso_settings(self, principal: Principal) -> SsoSettingsView | None:
        if not principal.is_admin:
            return None
        async with self._database().sessions() as session:
            config = await sso_store.config_of(session, principal.org_id)
        return sso_admin.view_of(config, self.options.sso_callback_url) if config else None

    async def update_sso(self, principal: Principal, changes: SsoChanges) -> SsoSettingsView:
        async with self._database().sessions() as session:
            config = await sso_admin.update_org_sso(
                session, self.options.secret_key, principal.org_id, changes
            )
            changed = sorted(
                f.name for f in fields(changes) if getattr(changes, f.name) is not None
            )
            # which settings changed, never their values (the client secret is among them)
            admin.record_action(session, principal, "sso.updated", config.issuer, changed=changed)
            await session.commit()
            return sso_admin.view_of(config, self.options.sso_callback_url)

    async def start_session(self, org_id: uuid.UUID, user_id: uuid.UUID) -> str | None:
        async with self._database().sessions() as session:
            if await repository.active_user(session, org_id, user_id) is None:
                return None
            session_id = await web_sessions.start(
                session, self.options.secret_key, org_id, user_id, self.options.session_ttl
            )
            await session.commit()
        return session_id

    async def end_session(self, session: BrowserSession | None) -> None:
        if session is None or session.org_id is None or session.session_id is None:
            return
        async with self._database().sessions() as db_session:
            await web_sessions.end(
                db_session, self.options.secret_key, session.org_id, session.session_id
            )
            await db_session.commit()

    async def principal_for_session(self, session: BrowserSession | None) -> Principal | None:
        if session is None or session.org_id is None or session.session_id is None:
            return None
        # The primary, always: a session ended a moment ago must not work on a replica.
        async with self._database().sessions() as db_session:
            found = await web_sessions.signed_in_user(
                db_session, self.options.secret_key, session.org_id, session.session_id
            )
        return repository.principal_of(found[0], org=found[1]) if found else None

    async def workspace_choices(self, choice: PendingChoice | None) -> list[Principal]:
        if choice is None:
            return []
        found = []
        async with self._database().sessions() as session:
            for org_id, user_id in choice.accounts:
                row = await repository.active_user_in_org(session, org_id, user_id)
                if row is not None:
                    found.append(repository.principal_of(row[0], org=row[1]))
        return sorted(found, key=lambda p: p.org_name.lower())

    async def change_password(self, session: BrowserSession, current: str, new: str) -> None:
        if session.org_id is None or session.session_id is None:
            raise PasswordChangeRefused("Sign in again first.")
        async with self._database().sessions() as db_session:
            found = await web_sessions.signed_in_user(
                db_session, self.options.secret_key, session.org_id, session.session_id
            )
            if found is None:
                raise PasswordChangeRefused("Sign in again first.")
            keep = session_id_hash(self.options.secret_key, session.session_id)
            try:
                await users.change_own_password(db_session, found[0], current, new, keep)
            except users.AccountError as refused:
                raise PasswordChangeRefused(str(refused)) from None
            await db_session.commit()

    def _link_sessions(self) -> AsyncSession:
        """Links are redeemed as the owner: the app role may neither read nor set a password
        hash (0020), and no definer function sets one without the current password. The link's
        HMAC'd secret is what scopes every statement to one person."""
        return async_sessionmaker(self._database().owner, expire_on_commit=False)()

    async def link_holder(self, token: str) -> LinkHolder | None:
        async with self._link_sessions() as session:
            found = await links.pending(session, self.options.secret_key, token)
            if found is None:
                return None
            user, purpose = found
            org = await repository.active_user_in_org(session, user.org_id, user.id)
        return LinkHolder(user.email, org[1].name if org else "", purpose)

    async def redeem_link(self, token: str, password: str) -> None:
        async with self._link_sessions() as session:
            try:
                await links.redeem(session, self.options.secret_key, token, password)
            except (links.LinkRefused, PasswordRejected) as refused:
                raise PasswordChangeRefused(str(refused)) from None
            await session.commit()

    async def sign_out_user(self, principal: Principal, user_id: uuid.UUID) -> int | None:
        if not principal.is_admin:
            return None
        async with self._database().sessions() as session:
            # Scoped to the admin's own org: another org's user id is "no such user".
            if await repository.user_in_org(session, principal.org_id, user_id) is None:
                return None
            count = await web_sessions.end_all(session, principal.org_id, user_id)
            await session.commit()
        return count

    async def set_user_role(self, principal: Principal, user_id: uuid.UUID, role: Role) -> None:
        async with self._database().sessions() as session:
            await admin_writes.set_user_role(session, principal, user_id, role)
            await session.commit()

    async def update_org(
        self,
        principal: Principal,
        *,
        name: str | None = None,
        account_visibility: str | None = None,
        timezone: str | None = None,
    ) -> None:
        async with self._database().sessions() as session:
            await admin_writes.update_org(
                session,
                principal,
                name=name,
                account_visibility=account_visibility,
                timezone=timezone,
            )
            await session.commit()

    async def validate_authorization(
        self, params: Mapping[str, str], repeated: set[str]
    ) -> ConsentRequest | AuthorizationError:
        return await self.flows.validate_authorization(params, repeated)

    async def approve(
        self,
        principal: Principal,
        params: Mapping[str, str],
        choices: ConsentChoices = ConsentChoices(),  # noqa: B008 - frozen, never mutated
    ) -> str | AuthorizationError:
        return await self.flows.approve(principal, params, choices)

    async def consent_lifetimes(self, principal: Principal) -> tuple[tuple[int, ...], int]:
        async with self._database().sessions() as session:
            ceiling = await lifetimes.lifetime_ceiling_days(session, self.options, principal.org_id)
        choices = lifetimes.lifetime_choices(ceiling)
        default = lifetimes.default_lifetime(self.options, ceiling)
        return choices, default if default in choices else choices[-1]

    async def create_service_token(
        self, principal: Principal, name: str, lifetime_days: int
    ) -> IssuedServiceToken | None:
        async with self._database().sessions() as session:
            issued = await service_tokens.create(
                session, self.options, principal, name, lifetime_days
            )
            if issued is not None:
                admin.record_action(
                    session, principal, "service_token.created", f"con_{issued.id.hex}", name=name,
                    days=lifetime_days,
                )  # fmt: skip
            await session.commit()
        if issued is not None:
            log.info("service token %s created by user %s", issued.id, principal.user_id)
        return issued

    def deny(self, consent: ConsentRequest) -> str:
        return self.flows.deny(consent)

    async def list_connections(self, principal: Principal) -> list[ConnectionView]:
        async with self._database().sessions() as session:
            return await connections.list_connections(session, principal)

    async def revoke_connection(self, principal: Principal, connection_id: uuid.UUID) -> bool:
        async with self._database().sessions() as session:
            revoked = await connections.revoke_connection(session, principal, connection_id)
            await session.commit()
            return revoked

    async def revoke_connections(
        self, principal: Principal, *, owner_id: uuid.UUID | None, client_id: str | None
    ) -> int:
        async with self._database().sessions() as session:
            count = await connections.revoke_matching(
                session, principal, owner_id=owner_id, client_id=client_id
            )
            await session.commit()
            return count
