"""Which redirect URIs a client may register, and when a requested one matches.

SPEC §6: https anywhere; http only on loopback; a native app's private-use scheme; never
``javascript:``, ``data:``, ``file:`` and the like, never a fragment or user info. Matching is
exact string equality, except that a loopback redirect matches on any port (RFC 8252 §7.3,
because native apps bind an ephemeral port).
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

from accountlens.config import is_loopback_host

MAX_REDIRECT_URI_LENGTH = 2000

_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*$")
_REFUSED_SCHEMES = frozenset(
    {
        "javascript",
        "data",
        "file",
        "vbscript",
        "about",
        "blob",
        "filesystem",
        "view-source",
        "ftp",
        "ws",
        "wss",
        "mailto",
        "tel",
        "sms",
        "chrome",
        "chrome-extension",
        "resource",
        "jar",
    }
)


class RedirectUriError(ValueError):
    """A redirect URI that may not be registered; the message says why."""


def _split(uri: str) -> SplitResult:
    if not uri or len(uri) > MAX_REDIRECT_URI_LENGTH:
        raise RedirectUriError("redirect URI is empty or too long")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in uri) or "\\" in uri:
        raise RedirectUriError("redirect URI contains whitespace, control characters or '\\'")
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError as exc:
        raise RedirectUriError("redirect URI is not a valid URL") from exc
    return parts


def validate_redirect_uri(uri: str) -> str:
    """Return ``uri`` if a client may register it, else raise :class:`RedirectUriError`."""
    parts = _split(uri)
    scheme = parts.scheme.lower()
    if parts.scheme != scheme or not _SCHEME.match(scheme):
        raise RedirectUriError("redirect URI needs a lower-case scheme")
    if scheme in _REFUSED_SCHEMES:
        raise RedirectUriError(f"the {scheme}: scheme is not allowed")
    if parts.fragment or "#" in uri:
        raise RedirectUriError("redirect URI must not contain a fragment")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise RedirectUriError("redirect URI must not contain user information")
    if scheme == "https":
        if not parts.hostname:
            raise RedirectUriError("https redirect URI needs a host")
    elif scheme == "http" and not is_loopback_host(parts.hostname):
        raise RedirectUriError("http redirect URIs are allowed only on loopback")
    # Anything else is a native app's private-use scheme (RFC 8252 §7.1), e.g. cursor://.
    return uri


def _is_loopback_uri(parts: SplitResult) -> bool:
    return parts.scheme in ("http", "https") and is_loopback_host(parts.hostname)


def redirect_uri_matches(requested: str, registered: list[str]) -> bool:
    """Exact match, or the same loopback URI on another port; never a URI with a fragment."""
    if "#" in requested:
        # Even an empty one (``/cb#``): urlsplit reports no fragment, so check the text.
        return False
    if requested in registered:
        return True
    try:
        asked = _split(requested)
    except RedirectUriError:
        return False
    if not _is_loopback_uri(asked) or asked.username is not None or "@" in asked.netloc:
        return False
    for candidate in registered:
        try:
            known = _split(candidate)
        except RedirectUriError:
            continue
        if (
            _is_loopback_uri(known)
            and known.scheme == asked.scheme
            and known.hostname == asked.hostname
            and known.path == asked.path
            and known.query == asked.query
            and not asked.fragment
        ):
            return True
    return False


def redirect_host(uri: str) -> str:
    """What the consent page shows as the destination: the host, or the app's scheme."""
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https"):
        return parts.netloc
    return f"{parts.scheme}:"
