"""A page whose total stopped at the cap tells the model so; an exact one is unchanged."""

from __future__ import annotations

from typing import Any

from accountlens.mcp_adapter.shape import page_of
from accountlens.mcp_adapter.tools.models import RecordPage, page_payload


def connection(total: int, lower_bound: bool) -> dict[str, Any]:
    return {
        "totalCount": total,
        "totalIsLowerBound": lower_bound,
        "pageInfo": {"hasNextPage": True, "endCursor": "c1"},
        "edges": [],
    }


def test_a_capped_total_is_marked_as_a_lower_bound_right_after_it() -> None:
    page = page_of(connection(10_000, True), "https://example.test", [], [])
    payload = page_payload("activity", page.total, [], page.next_cursor, None, lower_bound=True)
    assert list(payload)[:3] == ["type", "total", "total_is_lower_bound"]
    assert payload["total"] == 10_000
    assert payload["total_is_lower_bound"] is True
    assert page.total_is_lower_bound is True
    # what the tool's outputSchema declares (the runtime stamps as_of on every answer)
    RecordPage.model_validate({**payload, "as_of": "2026-12-01T00:00:00Z"})


def test_an_exact_total_carries_no_lower_bound_key() -> None:
    page = page_of(connection(29, False), "https://example.test", [], [])
    payload = page_payload(
        "activity", page.total, [], page.next_cursor, None, lower_bound=page.total_is_lower_bound
    )
    assert "total_is_lower_bound" not in payload
