"""Single sign-on with OpenID Connect: the authorization code flow with PKCE, state and nonce.

Start: the e-mail's domain names the org (``sso_configs.allowed_domains``); a random ``state``,
``nonce`` and PKCE verifier are stored as one ``sso_attempts`` row keyed by ``HMAC(state)`` and
bound to the browser (an HMAC of its session cookie's nonce), with the same-site path to go on
to. The browser goes to the provider. Finish: the row is claimed once, atomically, by the same
browser; the code is exchanged with the verifier and the ID token checked (signature against
the provider's keys, issuer, audience, expiry, the stored nonce). Then the person is found by
their provider subject, or on first sign-in by verified e-mail (the subject is then recorded),
or created when the org provisions just in time.

The ``state`` carries the org id in clear (the provider knows the org anyway), so the callback
finds the row by a key that leads with ``org_id``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Callable, Mapping

from accountlens.auth import sso_store
from accountlens.auth.api import SsoRefused, SsoSignIn
from accountlens.auth.oidc_client import Identity, OidcClient, ProviderError
from accountlens.auth.options import AuthOptions
from accountlens.auth.sso_secrets import SecretUnreadableError, unseal
from accountlens.db.engine import Database
from accountlens.db.models import SsoConfig, User

log = logging.getLogger(__name__)

NOT_SET_UP = (
    "Single sign-on is not set up for this e-mail address. Sign in with your password instead."
)
UNREACHABLE = (
    "Your organisation's sign-in provider cannot be used right now (it is unreachable or set "
    "up wrongly). Try again in a minute, or tell an admin of your organisation."
)
NOT_VERIFIED = "Your sign-in provider's answer could not be verified, so you are not signed in."
STALE = (
    "This sign-in is no longer valid: it was already used, it expired, or it was started in "
    "another browser. Start again from the sign-in page."
)


def _hmac(key: bytes, purpose: str, value: str) -> bytes:
    return hmac.new(key, f"sso-{purpose}|{value}".encode(), hashlib.sha256).digest()


class SsoFlows:
    """Starts and finishes sign-ins through an org's OpenID provider."""

    def __init__(self, database: Callable[[], Database], options: AuthOptions) -> None:
        self._database = database
        self._options = options
        self.oidc = OidcClient(options)

    async def start(self, email: str, browser_nonce: str, next_path: str) -> str:
        domain = sso_store.domain_of(email)
        async with self._database().sessions() as session:
            config = await sso_store.config_for_domain(session, domain)
        if config is None or "@" not in email:
            raise SsoRefused(NOT_SET_UP, 404)
        try:
            metadata = await self.oidc.metadata(config.issuer)
        except ProviderError as exc:
            log.warning("sso: provider of org %s unusable: %s", config.org_id, exc.cause)
            raise SsoRefused(UNREACHABLE, 502) from None
        state = f"{config.org_id.hex}.{secrets.token_urlsafe(32)}"
        nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(48)
        async with self._database().sessions() as session:
            await sso_store.add_attempt(
                session,
                config.org_id,
                state_hash=_hmac(self._options.secret_key, "state", state),
                browser_hash=_hmac(self._options.secret_key, "browser", browser_nonce),
                nonce=nonce,
                code_verifier=verifier,
                next_path=next_path,
                ttl=self._options.sso_attempt_ttl,
            )
            await session.commit()
        return await self.oidc.authorization_url(
            metadata,
            config.client_id,
            state=state,
            nonce=nonce,
            code_verifier=verifier,
            login_hint=email.strip(),
        )

    async def finish(self, params: Mapping[str, str], browser_nonce: str) -> SsoSignIn:
        state = params.get("state", "")
        try:
            org_id = uuid.UUID(hex=state.partition(".")[0])
        except ValueError:
            raise SsoRefused(STALE, 400) from None
        async with self._database().sessions() as session:
            attempt = await sso_store.claim_attempt(
                session,
                org_id,
                _hmac(self._options.secret_key, "state", state),
                _hmac(self._options.secret_key, "browser", browser_nonce),
            )
            config = await sso_store.config_of(session, org_id)
            await session.commit()  # claimed: this state and nonce never work again
        if attempt is None or config is None:
            raise SsoRefused(STALE, 400)
        if "error" in params:  # the person cancelled, or the provider refused them
            log.info("sso: provider of org %s answered an error", org_id)
            raise SsoRefused("Your sign-in provider did not sign you in.", 403)
        identity = await self._identity(
            config, params.get("code", ""), attempt.code_verifier, attempt.nonce
        )
        user_id = await self._person(config, identity)
        return SsoSignIn(org_id=org_id, user_id=user_id, next_path=attempt.next_path)

    async def _identity(
        self, config: SsoConfig, code: str, code_verifier: str, nonce: str
    ) -> Identity:
        try:
            secret = unseal(
                self._options.secret_key, config.org_id, config.client_id, config.client_secret
            )
            metadata = await self.oidc.metadata(config.issuer)
            return await self.oidc.exchange(
                metadata,
                config.client_id,
                secret,
                code=code,
                code_verifier=code_verifier,
                nonce=nonce,
            )
        except SecretUnreadableError:
            log.error(
                "sso: org %s: the client secret does not decrypt; set it again", config.org_id
            )
            raise SsoRefused(UNREACHABLE, 502) from None
        except ProviderError as exc:
            log.warning("sso: org %s: sign-in refused: %s", config.org_id, exc.cause)
            raise SsoRefused(NOT_VERIFIED, 401) from None

    async def _person(self, config: SsoConfig, identity: Identity) -> uuid.UUID:
        """The active user this identity signs in as, linked or created on first sign-in."""
        org_id = config.org_id
        email = identity.email
        if email is not None and sso_store.domain_of(email) not in config.allowed_domains:
            raise SsoRefused(
                f"{email} is not in a domain your organisation allows for single sign-on.", 403
            )
        async with self._database().sessions() as session:
            by_subject = await sso_store.users_by_subject(session, org_id, identity.subject)
            if len(by_subject) == 1:
                return _active(by_subject[0])
            if email is None or not identity.email_verified:
                raise SsoRefused(
                    "Your sign-in provider did not confirm your e-mail address, so no account "
                    "can be matched to it. Ask your provider's administrator.",
                    403,
                )
            user = await sso_store.user_by_email(session, org_id, email)
            if user is not None:
                _active(user)
                if user.sso_subject is not None or not await sso_store.link(
                    session, org_id, user.id, identity.subject
                ):
                    raise SsoRefused(
                        f"The AccountLens account {email} is linked to another identity at "
                        "your sign-in provider. Ask an admin of your organisation.",
                        403,
                    )
                await session.commit()
                return user.id
            if not config.jit_provisioning:
                raise SsoRefused(
                    f"There is no AccountLens account for {email} yet. Ask an admin of your "
                    "organisation to add you.",
                    403,
                )
            made = await sso_store.provision(
                session, org_id, email, identity.name or email, identity.subject
            )
            if made is None:
                raise SsoRefused(NOT_VERIFIED, 403)
            await session.commit()
            log.info("sso: org %s: a user was provisioned just in time", org_id)
            return made


def _active(user: User) -> uuid.UUID:
    if not user.is_active:
        raise SsoRefused("This account is disabled. Ask an admin of your organisation.", 403)
    return user.id
