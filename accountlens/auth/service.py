"""The database-backed :class:`~accountlens.auth.api.AuthService` the web pages call."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping

from accountlens.auth import connections, repository, users
from accountlens.auth.api import (
    AuthorizationError,
    ConnectionView,
    ConsentRequest,
    SignInRefused,
)
from accountlens.auth.client_documents import ClientDocumentFetcher
from accountlens.auth.client_registry import ClientRegistry
from accountlens.auth.oauth_flows import OAuthFlows
from accountlens.auth.options import AuthOptions
from accountlens.auth.principal import Principal
from accountlens.auth.resource import ConnectionTokenVerifier
from accountlens.auth.sessions import BrowserSession
from accountlens.db.engine import Database


class DatabaseAuthService:
    """Sign-in, sessions, consent and connections over PostgreSQL."""

    def __init__(self, database: Callable[[], Database], options: AuthOptions) -> None:
        self._database = database
        self.options = options
        self.flows = OAuthFlows(database, options, ClientDocumentFetcher(options))
        self.verifier = ConnectionTokenVerifier(database, options)
        self.registry = ClientRegistry(database, options)

    async def sign_in(self, email: str, password: str, address: str) -> Principal:
        """Only failures count against the limits: a team signing in from one office address,
        or a person signing in daily, never locks anyone out."""
        db = self._database()
        limits = (
            (repository.limiter_key("sign-in-ip", address), self.options.sign_in_per_address),
            (repository.limiter_key("sign-in-email", email), self.options.sign_in_per_email),
        )
        async with db.sessions() as session:
            waits = [await repository.wait_for(session, key, rule) for key, rule in limits]
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            raise SignInRefused(
                "Too many failed sign-in attempts. Wait a few minutes.", retry_after=wait
            )
        async with db.sessions() as session:
            user = await users.authenticate(session, email, password)
            await session.commit()  # a rehashed password, if any
        if user is None:
            # Counted in its own transaction, after the check: a failure always counts.
            async with db.sessions() as session:
                for key, rule in limits:
                    await repository.take(session, key, rule)
                await session.commit()
            raise SignInRefused("That e-mail and password do not match an active account.")
        return repository.principal_of(user)

    async def principal_for_session(self, session: BrowserSession | None) -> Principal | None:
        if session is None or session.user_id is None or session.org_id is None:
            return None
        async with self._database().sessions() as db_session:
            found = await repository.active_user_in_org(db_session, session.org_id, session.user_id)
        return repository.principal_of(found[0], org=found[1]) if found else None

    async def validate_authorization(
        self, params: Mapping[str, str], repeated: set[str]
    ) -> ConsentRequest | AuthorizationError:
        return await self.flows.validate_authorization(params, repeated)

    async def approve(
        self, principal: Principal, params: Mapping[str, str]
    ) -> str | AuthorizationError:
        return await self.flows.approve(principal, params)

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
