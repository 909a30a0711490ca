"""The token format: recognizable, checksummed, routable, and never stored."""

from __future__ import annotations

import uuid

from accountlens.auth import tokens

KEY = b"k" * 32


def test_a_token_has_the_prefix_and_parses_back_to_its_org_and_row() -> None:
    org = uuid.uuid4()
    issued = tokens.issue(tokens.ACCESS_TOKEN_PREFIX, KEY, org)
    parsed = tokens.parse(tokens.ACCESS_TOKEN_PREFIX, issued.value)
    assert issued.value.startswith("alk_")
    assert parsed is not None
    assert (parsed.org_id, parsed.row_id) == (org, issued.row_id)
    assert tokens.matches(KEY, parsed, issued.salt, issued.digest)


def test_a_token_with_one_character_changed_fails_the_checksum() -> None:
    value = tokens.issue(tokens.ACCESS_TOKEN_PREFIX, KEY, uuid.uuid4()).value
    flipped = value[:-10] + ("A" if value[-10] != "A" else "B") + value[-9:]
    assert tokens.parse(tokens.ACCESS_TOKEN_PREFIX, flipped) is None


def test_the_stored_digest_does_not_contain_the_secret_and_differs_per_salt() -> None:
    a = tokens.issue(tokens.ACCESS_TOKEN_PREFIX, KEY, uuid.uuid4())
    b = tokens.issue(tokens.ACCESS_TOKEN_PREFIX, KEY, uuid.uuid4())
    assert a.salt != b.salt
    assert a.value.encode() not in a.digest


def test_garbage_and_codes_are_not_access_tokens() -> None:
    code = tokens.issue(tokens.AUTHORIZATION_CODE_PREFIX, KEY, uuid.uuid4()).value
    for value in ("", "alk_", "alk_x_y", "Bearer x", code, "alk_" + "0" * 300):
        assert tokens.parse(tokens.ACCESS_TOKEN_PREFIX, value) is None
