"""The four SPEC §1 questions get the same answers, byte for byte, as before the lean path.

``golden/four_questions.json`` holds each persona's answer text (the JSON a model reads, which
is also the ``structuredContent``) on the demo workspace. The demo's data depends on the day it
is built (close dates sit before and after the end of the anchor day's quarter), so this test
builds its own small workspace anchored on one fixed day, ``ANCHOR``, and asks with dates
counted from that day: the same rows and the same question every day. Dates and times in the
answers are written as day offsets from ``ANCHOR``; the server's base URL, the paging cursor
and the read time are normalised. Re-record only on purpose:
``ACCOUNTLENS_RECORD_GOLDEN=1 pytest tests/mcp/test_golden_answers.py``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from mcp_types import TextContent
from sqlalchemy.ext.asyncio import AsyncEngine

from accountlens.app import create_app
from accountlens.db.embedded import EmbeddedServer
from accountlens.ingest.demo import build_demo
from tests.auth.helpers import settings_for
from tests.auth.live import free_port
from tests.conftest import DEMO_SEED, create_database, database_for, drop_database
from tests.mcp.conftest import Live
from tests.mcp.live import serve_with_lifespan

GOLDEN = Path(__file__).parent / "golden" / "four_questions.json"
# The day the recorded answers were taken on. Any day works as long as it stays the same.
ANCHOR = date(2026, 12, 3)
WORKSPACE = "al_golden_demo"
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


def from_anchor(arguments: dict[str, Any]) -> dict[str, Any]:
    """``arguments`` with relative dates as ISO dates counted from ``ANCHOR``.

    Relative dates would be read from the server's clock (and in each org's time zone), which
    moves on while the workspace stays anchored: absolute dates ask the same question daily.
    """

    def resolved(value: Any) -> Any:
        if isinstance(value, str) and value in _RELATIVE:
            return (ANCHOR + timedelta(days=_RELATIVE[value])).isoformat()
        if isinstance(value, list):
            return [resolved(v) for v in value]
        if isinstance(value, dict):
            return {k: resolved(v) for k, v in value.items()}
        return value

    resolved_arguments: dict[str, Any] = resolved(arguments)
    return resolved_arguments


def normalised(text: str, base_url: str) -> str:
    """``text`` with what changes from run to run (port, cursor, read time) made comparable."""

    def offset(match: re.Match[str]) -> str:
        return f"D{(date.fromisoformat(match.group(1)) - ANCHOR).days:+d}"

    text = text.replace(base_url, "BASE")
    text = _CURSOR.sub('"next_cursor":"CURSOR"', text)
    text = _AS_OF.sub('"as_of":"AS_OF"', text)
    return _DATE.sub(offset, text)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def anchored(
    pg_server: EmbeddedServer, admin_engine: AsyncEngine, template_db: str
) -> AsyncIterator[Live]:
    """The live server on a small demo workspace built as of ``ANCHOR`` (no vectors: the four
    questions read none)."""
    await create_database(admin_engine, WORKSPACE, template=template_db)
    db = database_for(pg_server, WORKSPACE)
    try:
        await build_demo(db.engine, scale="small", seed=DEMO_SEED, anchor=ANCHOR)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        app = create_app(settings_for(base_url), database=db)
        async with serve_with_lifespan(app, port):
            yield Live(app, base_url, db, {})
    finally:
        await db.close(stop_embedded=False)
        await drop_database(admin_engine, WORKSPACE)


@pytest.fixture(scope="module")
def golden() -> dict[str, dict[str, str]]:
    if os.environ.get("ACCOUNTLENS_RECORD_GOLDEN"):
        return {}
    loaded: dict[str, dict[str, str]] = json.loads(GOLDEN.read_text())
    return loaded


@pytest.mark.parametrize("label", PERSONAS)
async def test_the_four_questions_answer_byte_for_byte_as_before(
    anchored: Live, golden: dict[str, dict[str, str]], label: str
) -> None:
    # given
    persona = await anchored.persona(label)
    answers: dict[str, str] = {}
    # when
    async with persona.client() as client:
        for question, (tool, arguments) in QUESTIONS.items():
            result = await client.call_tool(tool, from_anchor(arguments))
            (content,) = result.content
            assert isinstance(content, TextContent)
            assert not result.is_error, content.text
            # The text and the structured content are the same JSON.
            assert json.loads(content.text) == result.structured_content
            answers[question] = normalised(content.text, anchored.base_url)
    # then
    if os.environ.get("ACCOUNTLENS_RECORD_GOLDEN"):
        recorded = json.loads(GOLDEN.read_text()) if GOLDEN.exists() else {}
        recorded[label] = answers
        GOLDEN.write_text(json.dumps(recorded, indent=1, ensure_ascii=False) + "\n")
        return
    assert answers == golden[label]
