"""The four SPEC §1 questions get the same answers, byte for byte, as before the lean path.

``golden/four_questions.json`` holds each persona's answer text (the JSON a model reads, which
is also the ``structuredContent``) as the code before issue 12's request-path work gave it on
the demo workspace. The demo's data moves with the day it is built and the questions use
relative dates, so both sides are normalised the same way before comparing: the server's base
URL, dates and times as day offsets from today, and the opaque paging cursor. Re-record only
on purpose: ``ACCOUNTLENS_RECORD_GOLDEN=1 pytest tests/mcp/test_golden_answers.py``.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from mcp_types import TextContent

from tests.mcp.conftest import Live

GOLDEN = Path(__file__).parent / "golden" / "four_questions.json"
PERSONAS = ("restricted admin", "narrow member", "open-org member")
QUESTIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "Q1 Acme Corp, last 30 days": (
        "account_timeline",
        {"account": "Acme Corp", "since": "-30d", "limit": 50},
    ),
    # "this quarter" would pick another set of rows as the days pass; a window relative to
    # today asks the same question of the same rows on any day.
    "Q2 open opportunities over $50k closing soon": (
        "list_objects",
        {
            "object_type": "opportunity",
            "filters": [
                {"field": "stage_category", "op": "eq", "value": "open"},
                {"field": "amount", "op": "gt", "value": 50000},
                {"field": "close_date", "op": "gte", "value": "today"},
                {"field": "close_date", "op": "lt", "value": "+60d"},
            ],
            "sort": [{"field": "amount", "direction": "desc"}],
            "limit": 100,
        },
    ),
    "Q3 champions at Globex": (
        "list_objects",
        {
            "object_type": "person",
            "filters": [
                {"field": "account.name", "op": "eq", "value": "Globex"},
                {"field": "persona", "op": "eq", "value": "champion"},
            ],
        },
    ),
    "Q4 latest tickets of At Risk accounts": (
        "list_objects",
        {
            "object_type": "ticket",
            "filters": [{"field": "account.segment", "op": "eq", "value": "At Risk"}],
            "sort": [{"field": "opened_at", "direction": "desc"}],
            "limit": 10,
        },
    ),
}

_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})(?=[T\"])")
_CURSOR = re.compile(r'"next_cursor":"[^"]*"')
_AS_OF = re.compile(r'"as_of":"[^"]*"')


_RELATIVE = {"today": 0, "-30d": -30, "+60d": 60}


def in_utc_days(arguments: dict[str, Any]) -> dict[str, Any]:
    """``arguments`` with relative dates as ISO dates counted from today in UTC.

    The demo is anchored on the UTC day, but relative dates are read in each org's time zone: for
    the hours when that zone's day differs from UTC's, "-30d" would reach one day further and
    pick another set of rows. Dates counted from the demo's own day ask the same question daily.
    """
    today = datetime.now(UTC).date()

    def resolved(value: Any) -> Any:
        if isinstance(value, str) and value in _RELATIVE:
            return (today + timedelta(days=_RELATIVE[value])).isoformat()
        if isinstance(value, list):
            return [resolved(v) for v in value]
        if isinstance(value, dict):
            return {k: resolved(v) for k, v in value.items()}
        return value

    resolved_arguments: dict[str, Any] = resolved(arguments)
    return resolved_arguments


def normalised(text: str, base_url: str) -> str:
    """``text`` with what changes from run to run (port, day, cursor, read time) made comparable."""
    today = datetime.now(UTC).date()

    def offset(match: re.Match[str]) -> str:
        return f"D{(date.fromisoformat(match.group(1)) - today).days:+d}"

    text = text.replace(base_url, "BASE")
    text = _CURSOR.sub('"next_cursor":"CURSOR"', text)
    text = _AS_OF.sub('"as_of":"AS_OF"', text)
    return _DATE.sub(offset, text)


@pytest.fixture(scope="module")
def golden() -> dict[str, dict[str, str]]:
    if os.environ.get("ACCOUNTLENS_RECORD_GOLDEN"):
        return {}
    loaded: dict[str, dict[str, str]] = json.loads(GOLDEN.read_text())
    return loaded


@pytest.mark.parametrize("label", PERSONAS)
async def test_the_four_questions_answer_byte_for_byte_as_before(
    live: Live, golden: dict[str, dict[str, str]], label: str
) -> None:
    # given
    persona = await live.persona(label)
    answers: dict[str, str] = {}
    # when
    async with persona.client() as client:
        for question, (tool, arguments) in QUESTIONS.items():
            result = await client.call_tool(tool, in_utc_days(arguments))
            (content,) = result.content
            assert isinstance(content, TextContent)
            assert not result.is_error, content.text
            # The text and the structured content are the same JSON.
            assert json.loads(content.text) == result.structured_content
            answers[question] = normalised(content.text, live.base_url)
    # then
    if os.environ.get("ACCOUNTLENS_RECORD_GOLDEN"):
        recorded = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
        recorded[label] = answers
        GOLDEN.write_text(json.dumps(recorded, indent=1, ensure_ascii=False) + "\n")
        return
    assert answers == golden[label]
