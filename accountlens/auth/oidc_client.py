"""Talking to an org's OpenID provider: discovery, keys, the code exchange, the ID token check.

authlib's async httpx client builds the authorization URL (with the PKCE S256 challenge) and
exchanges the code (client secret in HTTP Basic, the code verifier beside it); joserfc, the
JOSE library authlib's own ``authlib.jose`` now defers to, verifies the ID token. The rest is
the OpenID Connect Core §3.1.3.7 checklist, spelled out here so that each refusal has a cause.

The provider's discovery document and key set are cached per issuer for a few minutes; a token
signed with a key id the cache does not know fetches the key set again once (key rotation).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.integrations.httpx_client import OAuthError as AuthlibOAuthError
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from accountlens.auth.options import AuthOptions
from accountlens.config import is_loopback_host

#: Asymmetric algorithms only: never ``none``, never an HMAC keyed by the client secret.
ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "ES256", "ES384", "EdDSA")
SCOPE = "openid email profile"


class ProviderError(Exception):
    """The provider cannot be used or its answer is not to be trusted.

    ``cause`` is for the log (never a token, code or secret); the person sees a general page.
    """

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


@dataclass(frozen=True, slots=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the provider says signed in, from a verified ID token (and userinfo, if needed)."""

    subject: str
    email: str | None
    email_verified: bool
    name: str | None


def check_issuer_url(issuer: str) -> str:
    """An issuer URL we may talk to: https, or http on loopback only; no query or fragment.

    Kept exactly as given: the ID token's ``iss`` must equal it character for character, and
    some providers' issuers end in ``/`` (Discovery §4 drops that slash only to build the URL).
    """
    parts = urlsplit(issuer)
    loopback = is_loopback_host(parts.hostname)
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ValueError("the issuer is an https URL (http only on loopback)")
    if not parts.hostname or parts.query or parts.fragment:
        raise ValueError("the issuer is a URL without query or fragment")
    return issuer


def check_endpoint_url(name: str, url: str) -> str:
    """An endpoint a discovery document names, under the issuer's rule (https, or http on
    loopback): the client secret goes to the token endpoint and the ID token is checked with
    the keys from ``jwks_uri``, so neither may travel in clear (Discovery §3 requires TLS)."""
    parts = urlsplit(url)
    loopback = is_loopback_host(parts.hostname)
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
        raise ProviderError(f"the discovery document's {name} is not an https URL")
    return url


class OidcClient:
    """One instance per app: caches discovery documents and key sets per issuer."""

    def __init__(self, options: AuthOptions) -> None:
        self._options = options
        self._metadata: dict[str, tuple[float, ProviderMetadata]] = {}
        self._keys: dict[str, tuple[float, KeySet]] = {}

    def _oauth(self, client_id: str, client_secret: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=client_id,
            client_secret=client_secret,
            scope=SCOPE,
            redirect_uri=self._options.sso_callback_url,
            code_challenge_method="S256",
            timeout=self._options.sso_http_timeout_seconds,
            verify=self._options.sso_tls,
            follow_redirects=False,
        )

    async def _get_json(self, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        async with httpx.AsyncClient(
            timeout=self._options.sso_http_timeout_seconds, verify=self._options.sso_tls
        ) as http:
            try:
                response = await http.get(url, headers=headers or {})
            except httpx.HTTPError as exc:
                raise ProviderError(f"{url} unreachable: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise ProviderError(f"{url} answered {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderError(f"{url} did not answer JSON") from exc
        if not isinstance(body, dict):
            raise ProviderError(f"{url} did not answer a JSON object")
        return body

    def _fresh(self, stamp: float) -> bool:
        return time.monotonic() - stamp < self._options.sso_metadata_cache_ttl.total_seconds()

    async def metadata(self, issuer: str) -> ProviderMetadata:
        """The discovery document; its ``issuer`` must be exactly the configured one."""
        cached = self._metadata.get(issuer)
        if cached and self._fresh(cached[0]):
            return cached[1]
        doc = await self._get_json(f"{issuer.rstrip('/')}/.well-known/openid-configuration")
        if doc.get("issuer") != issuer:
            raise ProviderError("the discovery document names another issuer")
        try:
            urls = {
                name: check_endpoint_url(name, str(doc[name]))
                for name in ("authorization_endpoint", "token_endpoint", "jwks_uri")
            }
            userinfo = doc.get("userinfo_endpoint")
            found = ProviderMetadata(
                issuer=issuer,
                authorization_endpoint=urls["authorization_endpoint"],
                token_endpoint=urls["token_endpoint"],
                jwks_uri=urls["jwks_uri"],
                userinfo_endpoint=check_endpoint_url("userinfo_endpoint", str(userinfo))
                if userinfo
                else None,
            )
        except KeyError as exc:
            raise ProviderError(f"the discovery document lacks {exc.args[0]}") from exc
        self._metadata[issuer] = (time.monotonic(), found)
        return found

    async def _key_set(self, metadata: ProviderMetadata, *, refresh: bool) -> KeySet:
        cached = self._keys.get(metadata.issuer)
        if cached and not refresh and self._fresh(cached[0]):
            return cached[1]
        try:
            keys = KeySet.import_key_set(await self._get_json(metadata.jwks_uri))  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError) as exc:
            raise ProviderError("the provider's key set is not valid") from exc
        self._keys[metadata.issuer] = (time.monotonic(), keys)
        return keys

    async def authorization_url(
        self,
        metadata: ProviderMetadata,
        client_id: str,
        *,
        state: str,
        nonce: str,
        code_verifier: str,
        login_hint: str,
    ) -> str:
        async with self._oauth(client_id, "") as oauth:
            url, _ = oauth.create_authorization_url(
                metadata.authorization_endpoint,
                state=state,
                code_verifier=code_verifier,
                nonce=nonce,
                login_hint=login_hint,
            )
        return str(url)

    async def exchange(
        self,
        metadata: ProviderMetadata,
        client_id: str,
        client_secret: str,
        *,
        code: str,
        code_verifier: str,
        nonce: str,
    ) -> Identity:
        """Exchange the code and verify the ID token it brings; :class:`ProviderError` if not."""
        async with self._oauth(client_id, client_secret) as oauth:
            try:
                token = await oauth.fetch_token(
                    metadata.token_endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                )
            except AuthlibOAuthError as exc:
                raise ProviderError(f"the token endpoint refused the code: {exc.error}") from exc
            except Exception as exc:  # transport failures, non-JSON answers
                raise ProviderError(f"the token request failed: {type(exc).__name__}") from exc
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise ProviderError("the token response has no ID token")
        claims = await self._verified_claims(metadata, client_id, id_token, nonce)
        email, verified = claims.get("email"), claims.get("email_verified")
        if email is None and metadata.userinfo_endpoint and token.get("access_token"):
            info = await self._get_json(
                metadata.userinfo_endpoint,
                {"Authorization": f"Bearer {token['access_token']}"},
            )
            if info.get("sub") != claims["sub"]:  # Core §5.3.2: must be the same person
                raise ProviderError("userinfo describes another subject")
            email, verified = info.get("email"), info.get("email_verified")
            claims.setdefault("name", info.get("name"))
        return Identity(
            subject=str(claims["sub"]),
            email=email.strip().lower() if isinstance(email, str) else None,
            email_verified=verified is True,
            name=claims["name"] if isinstance(claims.get("name"), str) else None,
        )

    async def _verified_claims(
        self, metadata: ProviderMetadata, client_id: str, id_token: str, nonce: str
    ) -> dict[str, Any]:
        decoded = None
        for refresh in (False, True):  # an unknown key id: the provider may have rotated keys
            keys = await self._key_set(metadata, refresh=refresh)
            try:
                decoded = jwt.decode(id_token, keys, algorithms=list(ID_TOKEN_ALGORITHMS))
                break
            except JoseError as exc:
                if refresh:
                    raise ProviderError(
                        f"the ID token's signature is not valid: {exc.error}"
                    ) from exc
            except ValueError as exc:  # a malformed token (not three base64url parts)
                raise ProviderError("the ID token is malformed") from exc
        assert decoded is not None
        registry = jwt.JWTClaimsRegistry(
            leeway=self._options.sso_clock_leeway_seconds,
            iss={"essential": True, "value": metadata.issuer},
            aud={"essential": True, "value": client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(decoded.claims)
        except JoseError as exc:
            raise ProviderError(f"the ID token was refused: {exc.error} {exc.description}") from exc
        audience = decoded.claims.get("aud")
        several = isinstance(audience, list) and len(audience) > 1
        if several and decoded.claims.get("azp") != client_id:  # Core §3.1.3.7 (4, 5)
            raise ProviderError("the ID token was issued to another party (azp)")
        return dict(decoded.claims)
