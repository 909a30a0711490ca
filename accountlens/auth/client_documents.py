"""Client ID Metadata Documents: an https URL as ``client_id``, describing the client itself.

Fetching a URL a stranger chose is an SSRF vector, so the fetcher:

* accepts only ``https://host/path`` URLs without user info, fragment or query;
* resolves the host once, refuses every address that is not global unicast, in every form
  (NAT64, 6to4, IPv4-mapped and -compatible addresses are judged by the IPv4 they embed;
  Teredo and site-local are refused) unless the options allow them (tests), and connects to
  that very address (TLS still verifies the certificate against the host name), so DNS
  rebinding cannot swap it;
* follows no redirects, stops after a size limit and a timeout; wants a JSON content type and
  at most a shallow nesting depth;
* caches good documents for a while (per process; a miss costs one fetch).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import time
from collections import OrderedDict
from urllib.parse import urlsplit, urlunsplit

import httpx

from accountlens.auth.api import RegisteredClient
from accountlens.auth.options import READ_SCOPE, AuthOptions
from accountlens.auth.redirect_uris import RedirectUriError, validate_redirect_uri
from accountlens.auth.untrusted_input import UntrustedJsonError, loads_untrusted_json

log = logging.getLogger(__name__)

_CACHE_SIZE = 512


class ClientDocumentError(ValueError):
    """The URL or the document it points at is not acceptable; the message says why."""


def is_client_document_url(client_id: str) -> bool:
    """Whether a ``client_id`` is a metadata-document URL (rather than a registered id)."""
    return client_id.startswith("https://")


def _check_url(url: str) -> tuple[str, int, str]:
    if len(url) > 1000:
        raise ClientDocumentError("client_id URL is too long")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ClientDocumentError("client_id URL must be https with a host")
    if parts.username is not None or "@" in parts.netloc:
        raise ClientDocumentError("client_id URL must not contain user information")
    if parts.fragment or parts.query:
        raise ClientDocumentError("client_id URL must not contain a query or fragment")
    if parts.path in ("", "/") or "/./" in parts.path or "/../" in parts.path:
        raise ClientDocumentError("client_id URL must have a normalized, non-root path")
    return parts.hostname, parts.port or 443, parts.path


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the last 32 bits are the IPv4 host
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: local use only
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d (also :: and ::1)
_TEREDO = ipaddress.ip_network("2001::/32")


def _public_ipv4(ip: ipaddress.IPv4Address) -> bool:
    return ip.is_global and not ip.is_multicast


def address_is_public(address: str) -> bool:
    """Whether an address is globally reachable unicast, judging embedded IPv4 by itself.

    ``ipaddress`` (Python 3.11) calls NAT64, 6to4, IPv4-compatible and site-local addresses
    global, though they reach whatever IPv4 host they embed (``64:ff9b::a9fe:a9fe`` is the
    cloud metadata service) or a private network. So those forms are unpacked or refused here.
    """
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv4Address):
        return _public_ipv4(ip)
    if ip.ipv4_mapped is not None:
        return _public_ipv4(ip.ipv4_mapped)
    if ip in _IPV4_COMPATIBLE or ip in _LOCAL_NAT64 or ip in _TEREDO:
        return False
    if ip in _NAT64:
        return _public_ipv4(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour is not None:
        return _public_ipv4(ip.sixtofour)
    return ip.is_global and not ip.is_multicast and not ip.is_site_local


def _address_allowed(address: str, allow_private: bool) -> bool:
    if allow_private:
        ip = ipaddress.ip_address(address)
        return not ip.is_multicast and not ip.is_unspecified
    return address_is_public(address)


def _is_json(content_type: str | None) -> bool:
    """``application/json`` or a structured ``application/…+json`` type, as the draft requires."""
    media = (content_type or "").split(";")[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def _resolve(host: str, port: int, allow_private: bool) -> str:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ClientDocumentError("client_id host does not resolve") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or not all(_address_allowed(a, allow_private) for a in addresses):
        raise ClientDocumentError("client_id host resolves to a private or reserved address")
    return addresses[0]


def _parse_document(url: str, body: bytes) -> RegisteredClient:
    try:
        doc = loads_untrusted_json(body)
    except UntrustedJsonError as exc:
        raise ClientDocumentError(f"client metadata document refused: {exc}") from exc
    if not isinstance(doc, dict):
        raise ClientDocumentError("client metadata document is not a JSON object")
    if doc.get("client_id") != url:
        raise ClientDocumentError("client metadata document names another client_id")
    method = doc.get("token_endpoint_auth_method", "none")
    if method != "none":
        raise ClientDocumentError("only public clients (token_endpoint_auth_method none)")
    uris = doc.get("redirect_uris")
    if not isinstance(uris, list) or not uris or len(uris) > 10:
        raise ClientDocumentError("client metadata document needs 1 to 10 redirect_uris")
    try:
        checked = tuple(validate_redirect_uri(str(u)) for u in uris if isinstance(u, str))
    except RedirectUriError as exc:
        raise ClientDocumentError(str(exc)) from exc
    if len(checked) != len(uris):
        raise ClientDocumentError("redirect_uris must be strings")
    name = doc.get("client_name")
    client_uri = doc.get("client_uri")
    return RegisteredClient(
        client_id=url,
        client_name=str(name)[:200] if isinstance(name, str) and name.strip() else url,
        redirect_uris=checked,
        scope=READ_SCOPE,
        client_uri=client_uri if isinstance(client_uri, str) else None,
        from_metadata_document=True,
    )


class ClientDocumentFetcher:
    """Fetches, validates and caches metadata documents."""

    def __init__(self, options: AuthOptions) -> None:
        self._options = options
        self._cache: OrderedDict[str, tuple[float, RegisteredClient]] = OrderedDict()

    async def get(self, url: str) -> RegisteredClient:
        """The client a URL describes; raises :class:`ClientDocumentError`."""
        cached = self._cache.get(url)
        if cached and cached[0] > time.monotonic():
            self._cache.move_to_end(url)
            return cached[1]
        client = await self._fetch(url)
        self._cache[url] = (
            time.monotonic() + self._options.client_metadata_cache_ttl.total_seconds(),
            client,
        )
        while len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return client

    async def _fetch(self, url: str) -> RegisteredClient:
        host, port, _ = _check_url(url)
        options = self._options
        address = await _resolve(host, port, options.allow_private_client_metadata_hosts)
        parts = urlsplit(url)
        literal = f"[{address}]" if ":" in address else address
        pinned = urlunsplit(("https", f"{literal}:{port}", parts.path, "", ""))
        body = bytearray()
        try:
            async with (
                httpx.AsyncClient(
                    verify=options.client_metadata_tls,
                    timeout=options.client_metadata_timeout_seconds,
                    follow_redirects=False,
                    trust_env=False,
                ) as client,
                asyncio.timeout(options.client_metadata_timeout_seconds),
                client.stream(
                    "GET",
                    pinned,
                    headers={"Host": parts.netloc, "Accept": "application/json"},
                    extensions={"sni_hostname": host},
                ) as response,
            ):
                if response.status_code != 200:
                    raise ClientDocumentError(
                        f"client metadata document answered HTTP {response.status_code}"
                    )
                if not _is_json(response.headers.get("content-type")):
                    raise ClientDocumentError("client metadata document is not application/json")
                async for chunk in response.aiter_bytes():
                    body.extend(chunk)
                    if len(body) > options.client_metadata_max_bytes:
                        raise ClientDocumentError("client metadata document is too large")
        except (httpx.HTTPError, TimeoutError) as exc:
            log.info("client metadata fetch failed: %s", type(exc).__name__)
            raise ClientDocumentError("client metadata document could not be fetched") from exc
        return _parse_document(url, bytes(body))
