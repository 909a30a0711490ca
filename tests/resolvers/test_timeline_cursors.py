"""Timeline cursors handed out earlier keep working: their text is the JSON it always was."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from accountlens.resolvers.timeline import _cursor, _decode


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 11, 2, 10, 0, tzinfo=UTC),
        datetime(2026, 11, 2, 10, 0, 5, 123456, tzinfo=UTC),
        datetime(1, 1, 1, 0, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, 0, 7, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    ],
)
def test_a_timeline_cursor_is_the_json_of_its_time_and_id_and_decodes_back(at: datetime) -> None:
    # given an event's time and id
    event_id = uuid.uuid4()
    row: dict[str, object] = {"at": at, "id": event_id}
    # when its cursor is made
    cursor = _cursor(row)
    # then it is the unpadded base64 of the JSON cursors have always carried, and decodes back
    raw = json.dumps({"t": at.isoformat(), "i": event_id.hex}).encode()
    assert cursor == base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert _decode(cursor) == (at.astimezone(UTC), event_id)
