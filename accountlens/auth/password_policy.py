"""The one password policy every way of setting a password goes through.

The operator commands, the importer, invite links, reset links and a person's own change all
call :func:`check_password`: at least :data:`MIN_PASSWORD_LENGTH` characters, at most
:data:`MAX_PASSWORD_LENGTH`, and not one of the passwords known from breaches. That list is
the ``passwords`` frequency list the ``zxcvbn`` package ships (30,000 passwords seen in leaked
password dumps, most common first); we depend on the package rather than copy its data, and
compare case-insensitively.
"""

from __future__ import annotations

from functools import lru_cache

MIN_PASSWORD_LENGTH = 12
#: argon2 hashes any length, but an unbounded one is a free way to make us work.
MAX_PASSWORD_LENGTH = 1024


class PasswordRejected(ValueError):  # noqa: N818 - an outcome; the message is user-facing
    """The password breaks the policy; the message says which rule, never echoes it."""


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
