"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's recommendations).

The app role never reads a stored hash (``accountlens/db/grants.py``). Sign-in gets a stored
hash *without its digest* (algorithm, costs, salt) from the database, hashes the candidate
password the same way here (:func:`candidate_hash`), and asks the database whether the result
equals what it stores: argon2 runs in Python, the verdict in PostgreSQL, and the hash stays
where it is.

What a password must be is :mod:`accountlens.auth.password_policy`.
"""

from __future__ import annotations

import base64
import binascii

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import hash_secret_raw

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; False for a wrong password or a malformed hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def _unpadded_b64decode(value: str) -> bytes:
    return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)


def candidate_hash(salted: str, digest_length: int, password: str) -> str | None:
    """The encoded hash ``password`` has under a stored hash's parameters and salt.

    ``salted`` is the stored encoded hash up to and including the ``$`` before its digest
    (``$argon2id$v=19$m=…,t=…,p=…$<salt>$``) and ``digest_length`` the digest's length in
    base64 characters. The result equals the stored hash exactly when the password is right.
    None when ``salted`` is not an argon2 hash.
    """
    try:
        # The digest's value does not matter here, only its length (the hash length).
        parameters = extract_parameters(salted + "A" * digest_length)
        salt = _unpadded_b64decode(salted.rstrip("$").rsplit("$", 1)[1])
    except (InvalidHashError, IndexError, ValueError, binascii.Error):
        return None
    digest = hash_secret_raw(
        password.encode(),
        salt,
        time_cost=parameters.time_cost,
        memory_cost=parameters.memory_cost,
        parallelism=parameters.parallelism,
        hash_len=parameters.hash_len,
        type=parameters.type,
        version=parameters.version,
    )
    return salted + base64.b64encode(digest).decode("ascii").rstrip("=")
