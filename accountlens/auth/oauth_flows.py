"""The authorization, token and revocation flows: load rows, run authlib, persist its writes.

See :mod:`accountlens.auth.oauth_server` for why authlib runs over preloaded rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import timedelta

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749 import OAuth2Error
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import JSONResponse, Response

from accountlens.auth import repository, tokens
from accountlens.auth.api import (
    AuthorizationError,
    ConsentChoices,
    ConsentRequest,
    RegisteredClient,
)
from accountlens.auth.client_documents import (
    ClientDocumentError,
    ClientDocumentFetcher,
    is_client_document_url,
)
from accountlens.auth.lifetimes import default_lifetime, lifetime_ceiling_days, lifetime_choices
from accountlens.auth.oauth_server import (
    AccountLensAuthorizationServer,
    OAuthClient,
    PkceAuthorizationCodeGrant,
    Preloaded,
    StarletteOAuth2Request,
)
from accountlens.auth.options import READ_SCOPE, AuthOptions
from accountlens.auth.principal import Principal
from accountlens.auth.redirect_uris import redirect_host, redirect_uri_matches
from accountlens.db.engine import Database
from accountlens.db.models import AuthorizationCode, Connection

log = logging.getLogger(__name__)

_SINGLE_PARAMS = ("client_id", "redirect_uri", "response_type", "state", "scope", "resource")


def oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


class OAuthFlows:
    """Authorization-server operations over the database."""

    def __init__(
        self,
        database: Callable[[], Database],
        options: AuthOptions,
        documents: ClientDocumentFetcher,
    ) -> None:
        self._database = database
        self.options = options
        self.documents = documents

    async def client(self, session: AsyncSession, client_id: str) -> RegisteredClient | None:
        """A registered client, or the client a metadata-document URL describes."""
        if is_client_document_url(client_id):
            try:
                return await self.documents.get(client_id)
            except ClientDocumentError as exc:
                log.info("refused client metadata document: %s", exc)
                return None
        if len(client_id) > 200:
            return None
        return await repository.registered_client(session, client_id)

    def _request(self, method: str, path: str, params: Mapping[str, str]) -> StarletteOAuth2Request:
        return StarletteOAuth2Request(method, self.options.issuer + path, {}, params)

    async def _consent_grant(
        self, params: Mapping[str, str], repeated: set[str]
    ) -> tuple[PkceAuthorizationCodeGrant, RegisteredClient] | AuthorizationError:
        if repeated & set(_SINGLE_PARAMS):
            return AuthorizationError("invalid_request", "a parameter was repeated")
        client_id = params.get("client_id")
        if not client_id:
            return AuthorizationError("invalid_request", "client_id is missing")
        # The primary, not a read replica: a client registered a moment ago (dynamic client
        # registration writes to the primary) must be found on its very next request.
        async with self._database().sessions() as session:
            client = await self.client(session, client_id)
        if client is None:
            return AuthorizationError("invalid_client", "this client is not registered")
        redirect_uri = params.get("redirect_uri")
        if not redirect_uri or not redirect_uri_matches(redirect_uri, list(client.redirect_uris)):
            return AuthorizationError(
                "invalid_request", "redirect_uri is missing or not registered for this client"
            )
        server = AccountLensAuthorizationServer(self.options, Preloaded(client=OAuthClient(client)))
        try:
            grant = server.get_consent_grant(self._request("GET", "/oauth/authorize", params))
        except OAuth2Error as error:
            # Never back to the redirect URI, though authlib offers it: anyone may register any
            # URI, so redirecting a request that failed before the user signed in and approved
            # would make us an open redirector (RFC 9700 §4.11.2). The user sees an error page.
            return AuthorizationError(str(error.error), str(error.description or error.error))
        return grant, client

    async def validate_authorization(
        self, params: Mapping[str, str], repeated: set[str]
    ) -> ConsentRequest | AuthorizationError:
        checked = await self._consent_grant(params, repeated)
        if isinstance(checked, AuthorizationError):
            return checked
        grant, client = checked
        return ConsentRequest(
            client=client,
            redirect_uri=str(grant.redirect_uri),
            redirect_host=redirect_host(str(grant.redirect_uri)),
            scope=READ_SCOPE,
            resource=self.options.resource,
            state=params.get("state"),
        )

    def deny(self, consent: ConsentRequest) -> str:
        params = [("error", "access_denied"), ("error_description", "the user declined")]
        if consent.state:
            params.append(("state", consent.state))
        params.append(("iss", self.options.issuer))
        return str(add_params_to_uri(consent.redirect_uri, params))

    async def approve(
        self,
        principal: Principal,
        params: Mapping[str, str],
        choices: ConsentChoices = ConsentChoices(),  # noqa: B008 - frozen, never mutated
    ) -> str | AuthorizationError:
        """Issue a 5-minute code for ``principal`` and return where to send the browser.

        The code carries the person's narrowing and expiry to the connection it is exchanged
        for; an expiry the org's ceiling does not allow is refused, nothing is written.
        """
        checked = await self._consent_grant(params, set())
        if isinstance(checked, AuthorizationError):
            return checked
        grant, client = checked
        async with self._database().sessions() as session:
            ceiling = await lifetime_ceiling_days(session, self.options, principal.org_id)
        offered = lifetime_choices(ceiling)
        days = choices.lifetime_days
        if days is None:
            days = min(default_lifetime(self.options, ceiling), max(offered))
        elif days not in offered:
            allowed = ", ".join(str(d) for d in offered)
            return AuthorizationError("invalid_request", f"pick an expiry of {allowed} days")
        narrowing = choices.narrowing
        _, _, headers = grant.create_authorization_response(grant.redirect_uri, principal)
        issued = grant.server.preloaded.new_code
        assert issued is not None  # create_authorization_response generated it
        row = AuthorizationCode(
            org_id=principal.org_id,
            id=issued.row_id,
            user_id=principal.user_id,
            secret_salt=issued.salt,
            secret_hash=issued.digest,
            client_id=client.client_id,
            client_name=client.client_name,
            redirect_uri=str(grant.redirect_uri),
            scope=READ_SCOPE,
            resource=params.get("resource") or self.options.resource,
            code_challenge=params["code_challenge"],
            expires_at=repository.now() + self.options.code_ttl,
            narrowed_types=sorted(narrowing.object_types)
            if narrowing.object_types is not None
            else None,
            exclude_transcripts=not narrowing.transcripts,
            exclude_kb=not narrowing.knowledge_base,
            lifetime_days=days,
        )
        async with self._database().sessions() as session:
            session.add(row)
            await session.commit()
        return grant.server.with_issuer(dict(headers)["Location"])

    async def token(self, form: Mapping[str, str], headers: Mapping[str, str]) -> Response:
        """RFC 6749 §4.1.3 with PKCE; a replayed code revokes the connection it created."""
        preloaded = Preloaded()
        async with self._database().sessions() as session:
            client_id = form.get("client_id")
            if client_id:
                client = await self.client(session, client_id)
                preloaded.client = OAuthClient(client) if client else None
            parsed = tokens.parse(tokens.AUTHORIZATION_CODE_PREFIX, form.get("code") or "")
            row = (
                await repository.code_row(session, parsed.org_id, parsed.row_id) if parsed else None
            )
            if (
                row is not None
                and parsed is not None
                and not tokens.matches(
                    self.options.secret_key, parsed, row.secret_salt, row.secret_hash
                )
            ):
                row = None
            if row is not None and row.used_at is not None:
                return await self._replayed(session, row)
            if row is not None:
                user = await repository.active_user(session, row.org_id, row.user_id)
                preloaded.code = repository.stored_code(row)
                preloaded.code_user = repository.principal_of(user) if user else None
                # The consent page's choice, capped by the org's ceiling as it is now.
                ceiling = await lifetime_ceiling_days(session, self.options, row.org_id)
                chosen = (
                    timedelta(days=row.lifetime_days)
                    if row.lifetime_days
                    else self.options.access_token_ttl
                )
                preloaded.lifetime = min(chosen, timedelta(days=ceiling))
            server = AccountLensAuthorizationServer(self.options, preloaded)
            request = StarletteOAuth2Request(
                "POST", self.options.issuer + "/oauth/token", headers, form
            )
            response: Response = server.create_token_response(request)
            minted, code = preloaded.minted, preloaded.code
            if minted is None or code is None or row is None:
                return response
            narrowed = row  # the consent page's choices, carried by the code
            lifetime = preloaded.lifetime or self.options.access_token_ttl
            connection = Connection(
                org_id=minted.org_id,
                id=minted.row_id,
                user_id=code.user_id,
                client_id=code.client_id,
                client_name=code.client_name,
                redirect_host=redirect_host(code.redirect_uri),
                scope=code.scope,
                resource=code.resource,
                token_salt=minted.salt,
                token_hash=minted.digest,
                created_at=repository.now(),
                expires_at=repository.now() + lifetime,
                narrowed_types=narrowed.narrowed_types,
                exclude_transcripts=narrowed.exclude_transcripts,
                exclude_kb=narrowed.exclude_kb,
            )
            session.add(connection)
            await session.flush()
            if not await repository.claim_code(session, code, connection.id):
                await session.rollback()
                fresh = await repository.code_row(session, code.org_id, code.id)
                assert fresh is not None
                return await self._replayed(session, fresh)
            await repository.mark_client_used(session, code.client_id)
            await session.commit()
            log.info("issued a token for connection %s (client %s)", connection.id, code.client_id)
            return response

    async def _replayed(self, session: AsyncSession, row: AuthorizationCode) -> Response:
        if row.connection_id is not None:
            await repository.revoke(session, row.org_id, row.connection_id)
        await session.commit()
        log.warning(
            "authorization code %s was replayed; revoked connection %s", row.id, row.connection_id
        )
        return oauth_error("invalid_grant", "authorization code was already used")

    async def revoke(self, form: Mapping[str, str], headers: Mapping[str, str]) -> Response:
        """RFC 7009: 200 whether or not the token existed; only its own client may revoke it."""
        preloaded = Preloaded()
        async with self._database().sessions() as session:
            client_id = form.get("client_id")
            if client_id:
                client = await self.client(session, client_id)
                preloaded.client = OAuthClient(client) if client else None
            parsed = tokens.parse(tokens.ACCESS_TOKEN_PREFIX, form.get("token") or "")
            if parsed is not None:
                row = await repository.connection_row(session, parsed.org_id, parsed.row_id)
                if row is not None and tokens.matches(
                    self.options.secret_key, parsed, row.token_salt, row.token_hash
                ):
                    preloaded.token = repository.stored_token(row)
            server = AccountLensAuthorizationServer(self.options, preloaded)
            request = StarletteOAuth2Request(
                "POST", self.options.issuer + "/oauth/revoke", headers, form
            )
            response: Response = server.create_endpoint_response("revocation", request)
            if preloaded.revoked is not None:
                await repository.revoke(session, preloaded.revoked.org_id, preloaded.revoked.id)
                await session.commit()
            return response
