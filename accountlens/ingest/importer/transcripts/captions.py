"""Reading caption files (WebVTT, SRT) into speaker turns.

Meeting recorders export their transcripts as captions: Zoom writes WebVTT cues whose text
starts with the speaker's name (``Ada Lovelace: Shall we begin?``), Microsoft Teams wraps each
cue's text in a voice tag (``<v Ada Lovelace>Shall we begin?</v>``), and SRT files from other
tools carry the ``Name: text`` form. Consecutive cues of one speaker become one turn starting
at the first cue's time, so a sentence split over several cues reads as it was said.

A file that is not what it claims to be (no ``WEBVTT`` header, a timing line that does not
parse, a cue that ends before it starts) raises :class:`CaptionError` with the line at fault.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: ``[hh:]mm:ss.ttt`` (WebVTT) or ``hh:mm:ss,ttt`` (SRT).
_TIME = r"(?:(\d+):)?([0-5]\d):([0-5]\d)[.,](\d{1,3})"
_TIMING = re.compile(rf"^{_TIME}\s+-->\s+{_TIME}(?:\s+.*)?$")
#: A line that starts like a timing line (a cue identifier does not: "12", "6f1e…/11-0").
_LOOKS_TIMED = re.compile(r"^\s*\d+:\d")
#: Neither may cross a "<": a tag never holds one, and a run of tags that never close (``<<<…``,
#: ``<v   …``) is then scanned once, not once per "<" (quadratic time on a hostile file).
_VOICE = re.compile(r"<v(?:\.[^\s<>]*)?\s+([^\s<>][^<>]*)>", re.IGNORECASE)
_TAG = re.compile(r"</?[^<>]*>")
#: A leading ``Name:`` label: a short run of name characters before the first colon.
_LABEL = re.compile(r"^([^:<>\n]{1,80}?):\s+(\S.*)$", re.DOTALL)
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": " ", "&lrm;": "", "&rlm;": ""}
UNKNOWN_SPEAKER = "Unknown speaker"


class CaptionError(ValueError):
    """The caption file is malformed at ``line``."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Cue:
    line: int
    start: float
    end: float
    speaker: str | None
    text: str


@dataclass(frozen=True)
class Turn:
    speaker: str
    start_seconds: int
    text: str


def parse_vtt(text: str) -> list[Cue]:
    """The cues of a WebVTT file (NOTE, STYLE and REGION blocks are skipped)."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0]):
        raise CaptionError(1, "not a WebVTT file: the first line must be WEBVTT")
    # Header lines (``Kind: captions``) may follow WEBVTT up to the first blank line.
    body = next((n for n, line in enumerate(lines) if not line.strip()), len(lines))
    cues: list[Cue] = []
    for first, block in _blocks(lines[body:], offset=body + 1):
        if re.match(r"^(NOTE|STYLE|REGION)(?:\s|$)", block[0]):
            continue
        # An optional cue identifier (Teams writes one per cue) precedes the timing line.
        timing_at = 1 if len(block) > 1 and not _LOOKS_TIMED.match(block[0]) else 0
        cues.append(_cue(first + timing_at, block[timing_at], block[timing_at + 1 :]))
    return cues


def parse_srt(text: str) -> list[Cue]:
    """The cues of an SRT (SubRip) file: a counter, a timing line, then the text."""
    lines = text.lstrip("\ufeff").splitlines()
    cues: list[Cue] = []
    for first, block in _blocks(lines, offset=1):
        if not block[0].strip().isdigit():
            raise CaptionError(first, f"expected a cue number, found {_shown(block[0])}")
        if len(block) < 2:
            raise CaptionError(first, "a cue number without a timing line")
        cues.append(_cue(first + 1, block[1], block[2:]))
    return cues


def _blocks(lines: list[str], offset: int) -> list[tuple[int, list[str]]]:
    """Runs of non-blank lines, each with the number of its first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = offset
    for number, line in enumerate(lines, start=offset):
        if line.strip():
            if not current:
                start = number
            current.append(line.rstrip())
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _cue(line: int, timing: str, payload: list[str]) -> Cue:
    match = _TIMING.match(timing.strip())
    if match is None:
        raise CaptionError(
            line,
            f"expected a cue timing such as 00:01:02.500 --> 00:01:05.000, found {_shown(timing)}",
        )
    start, end = _seconds(*match.groups()[:4]), _seconds(*match.groups()[4:])
    if end < start:
        raise CaptionError(line, "the cue ends before it starts")
    speaker, text = _speaker_and_text(" ".join(part.strip() for part in payload))
    return Cue(line, start, end, speaker, text)


def _seconds(hours: str | None, minutes: str, seconds: str, fraction: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(fraction) / 1000


def _speaker_and_text(payload: str) -> tuple[str | None, str]:
    voice = _VOICE.search(payload)
    if voice is not None:
        return _plain(voice.group(1)), _plain(_TAG.sub("", payload))
    text = _plain(_TAG.sub("", payload))
    label = _LABEL.match(text)
    if label is not None and not label.group(1).strip().isdigit():
        return label.group(1).strip(), label.group(2).strip()
    return None, text


def _plain(text: str) -> str:
    for entity, character in _ENTITIES.items():
        text = text.replace(entity, character)
    return " ".join(text.split())


def _shown(line: str) -> str:
    line = line.strip()
    return repr(line if len(line) <= 60 else line[:59] + "…")


def turns_of(cues: list[Cue]) -> list[Turn]:
    """Consecutive cues of one speaker joined into turns; a cue without a label continues
    the previous speaker's turn."""
    turns: list[Turn] = []
    for cue in cues:
        if not cue.text:
            continue
        speaker = cue.speaker or (turns[-1].speaker if turns else UNKNOWN_SPEAKER)
        if turns and turns[-1].speaker == speaker:
            last = turns[-1]
            turns[-1] = Turn(speaker, last.start_seconds, f"{last.text} {cue.text}")
        else:
            turns.append(Turn(speaker, math.floor(cue.start), cue.text))
    return turns


def duration_of(cues: list[Cue]) -> int | None:
    """Whole seconds to the end of the last cue."""
    return math.ceil(max(cue.end for cue in cues)) if cues else None
