"""Secret formats: access tokens and authorization codes, and how we store them (we don't).

An access token reads ``alk_<routing id>_<secret><checksum>``:

* ``alk_`` is a recognizable prefix, so secret scanners (and people) know what leaked;
* the routing id is the base62 form of ``org_id`` + row id (32 bytes): it finds the row by its
  primary key, on the right Citus shard, without the secret ever being a lookup key;
* the secret is 32 random bytes in base62;
* the checksum is the CRC-32 of everything before it, 6 base62 characters, so a scanner (or our
  verifier) rejects a mistyped or made-up token without a database round trip.

Authorization codes use the same layout with the ``alc_`` prefix. The database keeps only a
per-row random salt and ``HMAC-SHA256(server secret key, salt || secret)``: a database dump alone
is not enough to forge or recover a token, and rotating the secret key revokes every token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
import zlib
from dataclasses import dataclass

ACCESS_TOKEN_PREFIX = "alk"  # noqa: S105 - a prefix, not a secret
AUTHORIZATION_CODE_PREFIX = "alc"

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ROUTING_LENGTH = 43  # 32 bytes in base62
_SECRET_LENGTH = 43
_CHECKSUM_LENGTH = 6
_MAX_LENGTH = 200


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 62)
        chars.append(_ALPHABET[digit])
    if value:
        raise ValueError("value does not fit")
    return "".join(reversed(chars))


def _decode(text: str) -> int:
    value = 0
    for char in text:
        digit = _ALPHABET.find(char)
        if digit < 0:
            raise ValueError("not base62")
        value = value * 62 + digit
    return value


def _checksum(body: str) -> str:
    return _encode(zlib.crc32(body.encode("ascii")), _CHECKSUM_LENGTH)


@dataclass(frozen=True, slots=True)
class IssuedSecret:
    """A freshly minted secret: give ``value`` to the client once, store the rest."""

    value: str
    org_id: uuid.UUID
    row_id: uuid.UUID
    salt: bytes
    digest: bytes


@dataclass(frozen=True, slots=True)
class ParsedSecret:
    """The parts of a presented token or code; nothing here has been checked against the DB."""

    org_id: uuid.UUID
    row_id: uuid.UUID
    secret: str


def secret_digest(key: bytes, salt: bytes, secret: str) -> bytes:
    """The stored form of a secret: HMAC-SHA256 keyed by the server key over salt and secret."""
    return hmac.new(key, salt + secret.encode("ascii"), hashlib.sha256).digest()


def issue(
    prefix: str, key: bytes, org_id: uuid.UUID, row_id: uuid.UUID | None = None
) -> IssuedSecret:
    """Mint a new token or code for a row of ``org_id``."""
    row_id = row_id or uuid.uuid4()
    routing = _encode(int.from_bytes(org_id.bytes + row_id.bytes, "big"), _ROUTING_LENGTH)
    secret = _encode(secrets.randbits(256), _SECRET_LENGTH)
    body = f"{prefix}_{routing}_{secret}"
    salt = secrets.token_bytes(16)
    return IssuedSecret(
        value=body + _checksum(body),
        org_id=org_id,
        row_id=row_id,
        salt=salt,
        digest=secret_digest(key, salt, secret),
    )


def parse(prefix: str, value: str) -> ParsedSecret | None:
    """Split a presented value into its parts, or None if it is not well formed.

    Checks prefix, lengths, alphabet and checksum only: cheap enough to run before any query.
    """
    if len(value) > _MAX_LENGTH:
        return None
    parts = value.split("_")
    if len(parts) != 3 or parts[0] != prefix:
        return None
    _, routing, tail = parts
    if len(routing) != _ROUTING_LENGTH or len(tail) != _SECRET_LENGTH + _CHECKSUM_LENGTH:
        return None
    secret, checksum = tail[:_SECRET_LENGTH], tail[_SECRET_LENGTH:]
    try:
        expected = _checksum(f"{prefix}_{routing}_{secret}")
        raw = _decode(routing).to_bytes(32, "big")
        _decode(secret)
    except (ValueError, OverflowError, UnicodeEncodeError):
        return None
    if not hmac.compare_digest(expected, checksum):
        return None
    return ParsedSecret(
        org_id=uuid.UUID(bytes=raw[:16]), row_id=uuid.UUID(bytes=raw[16:]), secret=secret
    )


def matches(key: bytes, parsed: ParsedSecret, salt: bytes, digest: bytes) -> bool:
    """Constant-time comparison of a presented secret with the stored digest."""
    return hmac.compare_digest(secret_digest(key, salt, parsed.secret), digest)
