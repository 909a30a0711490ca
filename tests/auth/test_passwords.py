"""Stored password hashes: argon2id at production cost, whatever the test suite runs with."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.profiles import RFC_9106_LOW_MEMORY


def test_production_hashes_use_argon2id_at_the_rfc_9106_cost() -> None:
    # given the module's hasher as production builds it (the tests swap in a cheap one)
    import importlib

    import accountlens.auth.passwords as module

    importlib.reload(module)
    try:
        # when a password is hashed
        hasher: PasswordHasher = module._hasher
        stored = module.hash_password("correct horse battery staple")
        # then it is argon2id with RFC 9106's low-memory parameters, and it verifies
        assert hasher.type is Type.ID
        assert hasher.memory_cost >= RFC_9106_LOW_MEMORY.memory_cost
        assert hasher.time_cost >= RFC_9106_LOW_MEMORY.time_cost
        assert stored.startswith("$argon2id$")
        assert module.verify_password(stored, "correct horse battery staple")
        assert not module.verify_password(stored, "wrong")
    finally:
        module._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
