"""Opaque, typed global IDs: ``acc_4pT2…`` says "an account" and nothing else.

An ID is a type prefix and the record's UUID in 22 base62 characters. Decoding never touches the
database: a malformed ID, an ID of the wrong type, another org's ID and an invisible record's ID
all end in the same "not found".
"""

from __future__ import annotations

import functools
import string
import uuid
from typing import Any

from accountlens.object_types import TYPES

_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
_WIDTH = 22  # 62**22 > 2**128

#: Object type key -> ID prefix. Types without a prefix have no global ID. Object types take
#: theirs from the type catalogue (accountlens/object_types.py); the rest have no object spec.
PREFIXES: dict[str, str] = {
    **{key: t.id_prefix for key, t in TYPES.items()},
    "chunk": "chk",
    "org": "org",
    "property": "prp",
    "stage_change": "osc",
}
TYPES_BY_PREFIX = {prefix: key for key, prefix in PREFIXES.items()}


#: IDs kept encoded: a page encodes the same few hundred records' IDs on every call (~10 µs
#: each in pure Python), and a bounded cache makes a repeated ID a dictionary lookup.
ENCODED_KEPT = 1 << 16


def encode_id(type_key: str, value: uuid.UUID) -> str:
    # The cached function takes any hashable arguments; this one keeps the signature checked.
    return _encode(type_key, value)


@functools.lru_cache(maxsize=ENCODED_KEPT)
def _encode(type_key: str, value: uuid.UUID) -> str:
    number = value.int
    digits = []
    for _ in range(_WIDTH):
        number, rest = divmod(number, 62)
        digits.append(_ALPHABET[rest])
    return f"{PREFIXES[type_key]}_{''.join(reversed(digits))}"


def decode_id(text: object) -> tuple[str, uuid.UUID] | None:
    """``(type_key, uuid)`` for a well-formed ID, else ``None``."""
    if not isinstance(text, str) or len(text) > 40:
        return None
    return _decode(text)


@functools.lru_cache(maxsize=ENCODED_KEPT)
def _decode(text: str) -> tuple[str, uuid.UUID] | None:
    # Cached like _encode: a call of 25 IDs decodes each in the tool and in the resolver,
    # 22 dictionary look-ups a time; the answers are immutable, so sharing them is safe.
    prefix, _, body = text.partition("_")
    type_key = TYPES_BY_PREFIX.get(prefix)
    if type_key is None or len(body) != _WIDTH:
        return None
    number = 0
    for char in body:
        digit = _INDEX.get(char)
        if digit is None:
            return None
        number = number * 62 + digit
    if number >= 1 << 128:
        return None
    return type_key, uuid.UUID(int=number)


def decode_as(type_key: str, text: object) -> uuid.UUID | None:
    """The UUID of an ID of the given type, else ``None``."""
    decoded = decode_id(text)
    if decoded is None or decoded[0] != type_key:
        return None
    return decoded[1]


def decode_values(value: Any) -> Any:
    """Replace global IDs inside a filter value (a scalar or list) by their UUIDs."""
    if isinstance(value, list):
        return [decode_values(v) for v in value]
    decoded = decode_id(value)
    return decoded[1] if decoded else value
