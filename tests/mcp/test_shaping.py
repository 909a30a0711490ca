"""The pieces that shape answers, on their own: budget, compact values, errors, audit redaction."""

from __future__ import annotations

import json
from typing import Any

from accountlens.mcp_adapter.audit import redact
from accountlens.mcp_adapter.budget import Answer, dumps, estimate_tokens, fit
from accountlens.mcp_adapter.catalog import Catalog
from accountlens.mcp_adapter.errors import from_graphql, unknown
from accountlens.mcp_adapter.runtime import stamped
from accountlens.mcp_adapter.shape import Page, plain, record
from accountlens.mcp_adapter.tools.models import page_payload
from accountlens.schema.root import schema


def envelope(records: list[dict[str, Any]], cursor: str | None, note: str | None) -> Any:
    return page_payload("activity", 1000, records, cursor, note)


def page(sizes: list[int]) -> Page:
    records = [{"id": f"act_{n}", "name": "x", "body": "y" * size} for n, size in enumerate(sizes)]
    return Page(records, [f"c{n}" for n in range(len(sizes))], 1000, "c-end")


def test_a_page_over_budget_is_cut_between_records_and_points_past_the_last_one_kept() -> None:
    answer = fit(page([3000] * 20), 5000, envelope, continue_hint="use cursor={cursor!r}")
    text = dumps(answer)
    assert estimate_tokens(text) <= 5000
    assert json.loads(text) == answer
    kept = answer["count"]
    assert 0 < kept < 20
    assert answer["next_cursor"] == f"c{kept - 1}"
    assert f"cursor='c{kept - 1}'" in answer["note"]


def test_a_single_record_larger_than_the_budget_is_shortened_not_dropped() -> None:
    answer = fit(page([200_000]), 1000, envelope, continue_hint="cursor={cursor}")
    (record,) = answer["records"]
    assert estimate_tokens(dumps(answer)) <= 1000
    assert record["id"] == "act_0"
    assert record["body"].endswith("…")


def test_an_answer_within_budget_is_left_alone() -> None:
    small = page([10, 10])
    assert fit(small, 1000, envelope, continue_hint="") == envelope(small.records, "c-end", None)


def test_compact_values_shrink_references_money_and_utc_times() -> None:
    raw = {
        "owner": {"id": "usr_1", "objectType": "user", "displayName": "Ada"},
        "arr": {"amount": "285600.00", "currency": "USD"},
        "closedAt": "2026-11-24T14:00:00+00:00",
        "healthScore": None,
    }
    assert plain(raw) == {
        "owner": {"id": "usr_1", "name": "Ada"},
        "arr": {"amount": 285600, "currency": "USD"},
        "closed_at": "2026-11-24T14:00:00Z",
    }


def test_a_data_layer_error_keeps_its_choices_and_names_the_tool_argument() -> None:
    error = from_graphql(
        [
            {
                "message": "unknown account field 'helth'; did you mean 'health_score'?",
                "extensions": {
                    "code": "BAD_INPUT",
                    "field": "account field",
                    "suggestions": ["health_score"],
                    "choices": ["health_score", "name"],
                },
            }
        ]
    ).as_json()
    assert error["argument"] == "filters"
    assert error["did_you_mean"] == ["health_score"]
    assert error["valid_choices"] == ["health_score", "name"]


def test_an_internal_error_is_described_without_internals() -> None:
    error = from_graphql([{"message": "Unexpected error.", "extensions": {"code": "INTERNAL"}}])
    assert "Unexpected" not in error.message
    assert error.code == "INTERNAL"


def test_a_masked_fault_is_ours_not_the_callers_bad_input() -> None:
    # GraphQL masks our own faults to a bare message with no code
    error = from_graphql([{"message": "Unexpected error."}])
    assert error.code == "INTERNAL"
    assert "Unexpected" not in error.message


def test_an_unavailable_database_tells_the_model_to_retry() -> None:
    error = from_graphql(
        [
            {
                "message": "the database is unavailable right now; retry in a few seconds",
                "extensions": {"code": "UNAVAILABLE"},
            }
        ]
    )
    assert error.code == "UNAVAILABLE"
    assert "retry" in error.message


def test_an_unknown_name_suggests_close_matches_ignoring_case() -> None:
    error = unknown("field", "Close_Date", ["close_date", "amount"], argument="fields")
    assert error.suggestions == ["close_date"]


def test_audit_arguments_mask_secrets_and_shorten_long_values() -> None:
    logged = redact({"query": "q" * 500, "api_key": "sk-123", "nested": {"password": "p"}})
    assert logged["api_key"] == "[redacted]"
    assert logged["nested"] == {"password": "[redacted]"}
    assert len(logged["query"]) == 201


def test_a_field_named_like_an_envelope_key_is_shown_under_a_qualified_key() -> None:
    catalog = Catalog(schema._schema)
    fields = [catalog.fields("Opportunity")[n] for n in ("type", "name", "stage")]
    node = {
        "id": "opp_1",
        "objectType": "opportunity",
        "displayName": "Acme – Renewal",
        "type": "renewal",
        "name": "Acme – Renewal",
        "stage": "Proposal",
    }
    shaped = record(node, "https://lens.example", fields)
    assert shaped == {
        "id": "opp_1",
        "type": "opportunity",
        "name": "Acme – Renewal",
        "url": "https://lens.example/records/opp_1",
        "opportunity_type": "renewal",
        "stage": "Proposal",
    }


def test_a_stamped_page_keeps_its_text_and_reads_as_if_serialized_whole() -> None:
    # given pages the budget serialized: one orjson writes, one only the standard library can
    for records in ([{"id": "acc_1", "name": "Zoë", "arr": 12.5}], [{"score": 1e-05}]):
        page = Answer.of({"records": records, "count": len(records)})
        # when the answer stamps them with their read time
        answer = stamped(page, "2026-12-02T18:40:58Z")
        # then the text is exactly the stamped payload's own serialization
        assert isinstance(answer, Answer)
        assert answer.text == dumps({**page, "as_of": "2026-12-02T18:40:58Z"})
        assert json.loads(answer.text) == dict(answer)
