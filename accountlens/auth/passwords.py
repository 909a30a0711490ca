"""Passwords: hashing with argon2id, and the one policy every way of setting one goes through.

argon2-cffi's defaults follow RFC 9106's recommendations. The policy (:func:`check_password`)
is the same for the operator commands, the importer, invite links, reset links and a person's
own change: at least :data:`MIN_PASSWORD_LENGTH` characters, at most
:data:`MAX_PASSWORD_LENGTH`, and not one of the passwords known from breaches. That list is
the ``passwords`` frequency list the ``zxcvbn`` package ships (30,000 passwords seen in leaked
password dumps, most common first); we depend on the package rather than copy its data, and
compare case-insensitively.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 12
#: argon2 hashes any length, but an unbounded one is a free way to make us work.
MAX_PASSWORD_LENGTH = 1024


class PasswordRejected(ValueError):  # noqa: N818 - an outcome; the message is user-facing
    """The password breaks the policy; the message says which rule, never echoes it."""


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


@lru_cache(maxsize=1)
def breached_passwords() -> frozenset[str]:
    """The breached-password list, lower-cased; loaded on first use (about 30,000 entries)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(str(word).lower() for word in FREQUENCY_LISTS["passwords"])


def check_password(password: str) -> None:
    """Raise :class:`PasswordRejected` when ``password`` breaks the policy."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRejected(f"Passwords have at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordRejected(f"Passwords have at most {MAX_PASSWORD_LENGTH} characters.")
    if password.lower() in breached_passwords():
        raise PasswordRejected(
            "That password appears in lists of breached passwords; choose another."
        )
