"""The SSO client secret at rest: AES-GCM under a key derived from ``ACCOUNTLENS_SECRET_KEY``.

The ciphertext is bound to its org and client ID (associated data), so a row copied to another
org, or edited to another client, no longer decrypts. Rotating the secret key makes stored
client secrets unreadable: sign-in through SSO then says so, and ``accountlens sso set`` with
the secret again repairs it.
"""

from __future__ import annotations

import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12


class SecretUnreadableError(ValueError):
    """The stored secret does not decrypt under this secret key (rotated, or tampered with)."""


def _key(secret_key: bytes) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"accountlens sso client secret"
    ).derive(secret_key)
    return AESGCM(derived)


def _bound_to(org_id: uuid.UUID, client_id: str) -> bytes:
    return f"{org_id}|{client_id}".encode()


def seal(secret_key: bytes, org_id: uuid.UUID, client_id: str, secret: str) -> bytes:
    """Nonce followed by the AES-GCM ciphertext of ``secret``."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = _key(secret_key).encrypt(nonce, secret.encode(), _bound_to(org_id, client_id))
    return nonce + sealed


def unseal(secret_key: bytes, org_id: uuid.UUID, client_id: str, blob: bytes) -> str:
    """The secret :func:`seal` stored; :class:`SecretUnreadableError` when it cannot be read."""
    try:
        plain = _key(secret_key).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _bound_to(org_id, client_id)
        )
    except (InvalidTag, ValueError) as exc:
        raise SecretUnreadableError("the SSO client secret cannot be decrypted") from exc
    return plain.decode()
