"""Global IDs are typed, opaque and round-trip exactly."""

from __future__ import annotations

import uuid

from accountlens.schema.ids import decode_as, decode_id, encode_id


def test_an_encoded_id_says_its_type_and_decodes_to_the_same_uuid() -> None:
    value = uuid.uuid4()
    encoded = encode_id("account", value)
    assert encoded.startswith("acc_")
    assert decode_id(encoded) == ("account", value)


def test_malformed_ids_and_ids_of_another_type_decode_to_nothing() -> None:
    value = uuid.uuid4()
    person = encode_id("person", value)
    assert decode_as("account", person) is None
    for bad in ("", "acc_", "acc_!!!!!!!!!!!!!!!!!!!!!!", "zzz_" + person[4:], person + "x", 42):
        assert decode_id(bad) is None


def test_the_largest_uuid_still_fits_and_overflow_is_rejected() -> None:
    top = uuid.UUID(int=(1 << 128) - 1)
    assert decode_id(encode_id("task", top)) == ("task", top)
    assert decode_id("tsk_zzzzzzzzzzzzzzzzzzzzzz") is None
