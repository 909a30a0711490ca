"""Splitting documents into passages for search: speaker turns for transcripts, paragraphs for
articles.

A passage is what semantic search returns and links to, so it must stand on its own: a few
consecutive speaker turns (with the first speaker and timestamp, for the deep link) or a
paragraph. Passages stay short enough that the embedding model (256 tokens) sees all of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from accountlens.ingest.importer.formats import SpeakerTurn

MAX_TURNS = 3
#: A passage takes no further turn once this long; a paragraph shorter than MIN_CHARS (a
#: heading, say) is joined to the next one.
TARGET_CHARS = 600
MIN_CHARS = 200
#: A turn or paragraph longer than this is split at sentence ends.
MAX_CHARS = 1500

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Passage:
    text: str
    speaker: str | None = None
    start_seconds: int | None = None


def transcript_body(turns: Sequence[SpeakerTurn]) -> str:
    """The readable full text of a transcript: ``[mm:ss] Speaker: text`` per turn."""
    return "\n".join(f"[{clock(t.start_seconds)}] {t.speaker}: {t.text}" for t in turns)


def clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def transcript_passages(turns: Sequence[SpeakerTurn]) -> list[Passage]:
    """Group consecutive turns, 1 to 3 per passage, keeping the first turn's speaker and time."""
    passages: list[Passage] = []
    group: list[SpeakerTurn] = []

    def flush() -> None:
        if len(group) == 1:
            passages.append(Passage(group[0].text, group[0].speaker, group[0].start_seconds))
        elif group:
            text = "\n".join(f"{turn.speaker}: {turn.text}" for turn in group)
            passages.append(Passage(text, group[0].speaker, group[0].start_seconds))
        group.clear()

    for turn in turns:
        if len(turn.text) > MAX_CHARS:
            flush()
            passages.extend(
                Passage(piece, turn.speaker, turn.start_seconds) for piece in split_long(turn.text)
            )
            continue
        size = sum(len(item.text) for item in group)
        if group and (len(group) == MAX_TURNS or size + len(turn.text) > TARGET_CHARS):
            flush()
        group.append(turn)
    flush()
    return passages


def article_passages(body: str) -> list[Passage]:
    """One passage per paragraph; short ones join the next, long ones split at sentences."""
    passages: list[Passage] = []
    pending = ""
    for paragraph in (p.strip() for p in _PARAGRAPH_BREAK.split(body)):
        if not paragraph:
            continue
        text = f"{pending}\n\n{paragraph}" if pending else paragraph
        if len(text) < MIN_CHARS:
            pending = text
            continue
        pending = ""
        if len(text) > MAX_CHARS:
            passages.extend(Passage(piece) for piece in split_long(text))
        else:
            passages.append(Passage(text))
    if pending:
        passages.append(Passage(pending))
    return passages


def split_long(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` characters, at sentence ends if possible."""
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if current and len(current) + 1 + len(sentence) > limit:
            pieces.append(current)
            current = ""
        current = f"{current} {sentence}" if current else sentence
    if current:
        pieces.append(current)
    return [piece for piece in pieces if piece]
