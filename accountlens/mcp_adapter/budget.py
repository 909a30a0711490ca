"""The token budget: no answer is larger than the configured number of tokens.

Tokens are estimated at 4 bytes of compact UTF-8 JSON each (the same estimate the tests print).
An answer over budget is shortened by dropping whole records from the end of the page, never by
cutting JSON; the dropped records are still reachable, because ``next_cursor`` then points just
after the last record kept and a ``note`` says so. A single record too large on its own has its
longest text values shortened (marked with ``…``) until it fits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

from accountlens.mcp_adapter.shape import Page

BYTES_PER_TOKEN = 4
#: Room kept for the note and the envelope around the records.
_MARGIN_TOKENS = 120


#: Dates and dataclasses go through ``str`` as they did with the standard library's encoder
#: (orjson's own forms differ: ``T`` instead of a space), so answers stay byte-identical.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def dumps(payload: Any) -> str:
    """The compact JSON every tool answers with (text content and size estimate alike).

    orjson, several times faster than ``json``; the standard library for what orjson refuses
    (integers beyond 64 bits, non-string keys) or writes differently (floats: orjson has no
    ``NaN``, and writes ``1e-5`` where ``json`` writes ``1e-05``).
    """
    if not _has_float(payload):
        try:
            return orjson.dumps(payload, default=str, option=_ORJSON_OPTIONS).decode()
        except (TypeError, orjson.JSONEncodeError):
            pass
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)


def _has_float(value: Any) -> bool:
    """True when a float whose two spellings may differ is anywhere inside ``value``.

    A loop over a stack, not recursion through generators: an answer holds ~1,000 values and
    this runs for every answer, so the per-value cost is a type check.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or kind is int or item is None or kind is bool:
            continue  # the common cases first, by exact type
        if isinstance(item, float):
            if not (1e-4 <= abs(item) < 1e16) and item != 0.0:
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


class Answer(dict[str, Any]):
    """A payload that carries its own serialization (computed once, for the budget check)."""

    text: str

    @classmethod
    def of(cls, payload: dict[str, Any], text: str | None = None) -> Answer:
        answer = cls(payload)
        answer.text = text if text is not None else dumps(payload)
        return answer


def estimate_tokens(text: str) -> int:
    return -(-len(text.encode("utf-8")) // BYTES_PER_TOKEN)


Envelope = Callable[[list[dict[str, Any]], str | None, str | None], dict[str, Any]]


def fit(page: Page, budget: int, envelope: Envelope, *, continue_hint: str) -> dict[str, Any]:
    """The payload for ``page`` within ``budget`` tokens.

    ``envelope(records, next_cursor, note)`` builds the whole answer; ``continue_hint`` tells the
    model how to use a cursor with this tool (e.g. "call list_objects again with cursor=…").
    """
    whole = envelope(page.records, page.next_cursor, None)
    text = dumps(whole)
    if estimate_tokens(text) <= budget:
        return Answer.of(whole, text)
    limit = budget - _MARGIN_TOKENS
    kept = _largest_prefix(page, limit, envelope)
    while True:
        answer = _shortened(page, kept, budget, limit, envelope, continue_hint)
        text = dumps(answer)
        if kept <= 1 or estimate_tokens(text) <= budget:
            return Answer.of(answer, text)
        kept -= 1  # the estimate's placeholders were too short: one record fewer


def _shortened(
    page: Page, kept: int, budget: int, limit: int, envelope: Envelope, continue_hint: str
) -> dict[str, Any]:
    """The first ``kept`` records (at least one, shrunk if need be) with the note."""
    records = page.records[:kept]
    if kept == 0 and page.records:
        records = [_shrink(page.records[0], limit, envelope)]
        kept = 1
    cursor = page.cursors[kept - 1] if kept and page.cursors[kept - 1] else None
    # Without a cursor at the cut, the page's own cursor would skip the records left out.
    if cursor:
        note = (
            f"Shortened to {kept} of the {len(page.records)} records on this page to stay within "
            f"the {budget}-token answer budget; {continue_hint.format(cursor=cursor)} "
            "to get the rest, or ask for fewer fields."
        )
    else:
        note = (
            f"Shortened to {kept} of {len(page.records)} results to stay within the "
            f"{budget}-token answer budget; ask for fewer results or fewer fields."
        )
    return envelope(records, cursor, note)


def _largest_prefix(page: Page, limit: int, envelope: Envelope) -> int:
    """How many leading records fit (binary search over the serialized answer)."""
    placeholder = "x" * max((len(c) for c in page.cursors if c), default=0)
    low, high = 0, len(page.records)
    while low < high:
        middle = (low + high + 1) // 2
        text = dumps(envelope(page.records[:middle], placeholder, "x" * (360 + len(placeholder))))
        if estimate_tokens(text) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def _shrink(record: dict[str, Any], limit: int, envelope: Envelope) -> dict[str, Any]:
    """Shorten the longest string values of one record until the answer fits."""
    shrunk = dict(record)
    for _ in range(40):
        if estimate_tokens(dumps(envelope([shrunk], "x" * 160, "x" * 300))) <= limit:
            break
        key = max(
            (k for k, v in shrunk.items() if isinstance(v, str) and k not in ("id", "url")),
            key=lambda k: len(shrunk[k]),
            default=None,
        )
        if key is None or len(shrunk[key]) < 40:
            # Nested values: keep the identity and drop the rest.
            shrunk = {k: shrunk[k] for k in ("id", "type", "name", "url") if k in shrunk}
            break
        shrunk[key] = shrunk[key][: len(shrunk[key]) // 2] + "…"
    return shrunk
