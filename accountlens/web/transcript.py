"""A transcript's body as speaker turns, each with the anchor its deep links point at.

Bodies hold one ``[mm:ss] Speaker: text`` (or ``[h:mm:ss]``) line per turn. The page shows the
time as the tools do (``1:46``, not ``[00:01:46]``) and gives each turn ``id="t-SECONDS"`` and
``data-start``; ``static/turns.js`` maps a link's ``#t=SECONDS`` to the turn covering it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE = re.compile(r"^\[(\d{1,3}(?::\d{2}){1,2})\]\s+([^:\n]{1,120}):\s?(.*)$")


@dataclass(frozen=True, slots=True)
class Turn:
    start: int
    label: str
    speaker: str
    text: str


def clock(seconds: int) -> str:
    """``m:ss`` or ``h:mm:ss``, as the tools' passages show it."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def speaker_turns(body: str) -> list[Turn] | None:
    """The turns, or None when the body is not a timed transcript (shown as plain text)."""
    turns: list[Turn] = []
    for line in body.splitlines():
        match = _LINE.match(line)
        if match is None:
            if not line.strip():
                continue
            if not turns:
                return None
            last = turns[-1]  # a wrapped line continues the previous turn
            turns[-1] = Turn(last.start, last.label, last.speaker, f"{last.text}\n{line}")
            continue
        parts = [int(p) for p in match.group(1).split(":")]
        seconds = sum(value * 60**power for power, value in enumerate(reversed(parts)))
        turns.append(Turn(seconds, clock(seconds), match.group(2), match.group(3)))
    return turns or None
