"""Meeting transcripts: wordings drawn from the corpus, speaker turns with timestamps, chunks.

Every exchange template is realised a fixed number of times per build (the preset's
``wordings_per_exchange``) into a :class:`PassagePool`; transcripts then pick from the pool.
That keeps the number of *distinct* passage texts, and so the embedding work, bounded at every
scale while the wording still varies widely. One exchange (one to three turns) becomes one chunk:
its text is what was said, its ``speaker`` names who said it, its ``start_seconds`` where it
begins in the meeting.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from accountlens.ingest.demo.corpus import CLOSING, INTERNAL, OPENING, SLOTS, TOPICS, Exchange
from accountlens.ingest.demo.rand import stream

_ALTERNATIVES = re.compile(r"\[([^\[\]]+)\]")
_SLOT = re.compile(r"\{(\w+)\}")
_WORDS_PER_SECOND = 2.6


class TextIndex:
    """Distinct texts to embed, each given a stable position (its vector's index)."""

    def __init__(self) -> None:
        self._positions: dict[str, int] = {}
        self._texts: list[str] = []

    def add(self, text: str) -> int:
        position = self._positions.get(text)
        if position is None:
            position = self._positions[text] = len(self._texts)
            self._texts.append(text)
        return position

    def text(self, position: int) -> str:
        return self._texts[position]

    @property
    def texts(self) -> list[str]:
        return list(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


@dataclass(frozen=True, slots=True)
class Passage:
    """One realised exchange: ``(role, utterance)`` turns and the index of its text."""

    turns: tuple[tuple[str, str], ...]
    text_index: int


def realise(template: str, rng: random.Random, slots: Mapping[str, str]) -> str:
    """Resolve ``[a|b]`` alternatives and ``{slot}`` fillers; capitalise the first letter."""
    text = _ALTERNATIVES.sub(lambda match: rng.choice(match.group(1).split("|")), template)
    text = _SLOT.sub(lambda match: slots[match.group(1)], text)
    return text[:1].upper() + text[1:]


def _realise_exchange(exchange: Exchange, rng: random.Random) -> tuple[tuple[str, str], ...]:
    # One filler per slot for the whole exchange, so both turns talk about the same feature.
    slots = {name: rng.choice(values) for name, values in SLOTS.items()}
    return tuple((role, realise(rng.choice(variants), rng, slots)) for role, variants in exchange)


def _templates() -> dict[str, Exchange]:
    found: dict[str, Exchange] = {}
    for name, exchanges in (("opening", OPENING), ("closing", CLOSING)):
        for position, exchange in enumerate(exchanges):
            found[f"{name}/{position}"] = exchange
    for group, topics in (("topic", TOPICS), ("internal", INTERNAL)):
        for topic, exchanges in topics.items():
            for position, exchange in enumerate(exchanges):
                found[f"{group}:{topic}/{position}"] = exchange
    return found


@dataclass
class PassagePool:
    """A fixed set of wordings per exchange template, with their texts registered for embedding."""

    texts: TextIndex
    by_template: dict[str, list[Passage]] = field(default_factory=dict)

    @classmethod
    def build(cls, seed: int, wordings: int, texts: TextIndex) -> PassagePool:
        pool = cls(texts)
        for key, exchange in _templates().items():
            rng = stream(seed, "passages", key)
            passages = []
            for _ in range(wordings):
                turns = _realise_exchange(exchange, rng)
                text = "\n".join(utterance for _, utterance in turns)
                passages.append(Passage(turns, texts.add(text)))
            pool.by_template[key] = passages
        return pool

    def pick(self, rng: random.Random, key: str) -> Passage:
        return rng.choice(self.by_template[key])

    def exchanges(self, group: str, topic: str) -> list[str]:
        """Template keys of one topic, in conversation order."""
        prefix = f"{group}:{topic}/"
        return [key for key in self.by_template if key.startswith(prefix)]


@dataclass(frozen=True, slots=True)
class ChunkDraft:
    ordinal: int
    speaker: str
    start_seconds: int
    text_index: int


@dataclass(frozen=True, slots=True)
class TranscriptDraft:
    body: str
    duration_seconds: int
    chunks: tuple[ChunkDraft, ...]


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def compose(
    rng: random.Random,
    pool: PassagePool,
    passage_keys: Sequence[str],
    speakers: Mapping[str, str],
) -> TranscriptDraft:
    """Lay the chosen exchanges out in time, as a readable body and as chunks.

    ``speakers`` maps each role to a display name. Between exchanges some unrecorded small talk
    passes, so timestamps jump a little the way real meetings do.
    """
    clock = rng.randrange(5, 40)
    lines: list[str] = []
    chunks: list[ChunkDraft] = []
    for ordinal, key in enumerate(passage_keys):
        passage = pool.pick(rng, key)
        start = clock
        names: list[str] = []
        for role, utterance in passage.turns:
            name = speakers.get(role) or speakers["cust"]
            if name not in names:
                names.append(name)
            lines.append(f"[{_clock(clock)}] {name}: {utterance}")
            clock += int(len(utterance.split()) / _WORDS_PER_SECOND) + rng.randrange(1, 5)
        chunks.append(ChunkDraft(ordinal, ", ".join(names), start, passage.text_index))
        clock += rng.randrange(15, 240)
    return TranscriptDraft("\n".join(lines), clock, tuple(chunks))


def meeting_plan(pool: PassagePool, topics: Sequence[str]) -> list[str]:
    """Opening, every exchange of each chosen topic, closing."""
    keys = ["opening/0"]
    for topic in topics:
        keys.extend(pool.exchanges("topic", topic))
    keys.append("closing/0")
    return keys


def internal_plan(pool: PassagePool, topics: Sequence[str]) -> list[str]:
    """The exchanges of an internal meeting covering ``topics``."""
    return [key for topic in topics for key in pool.exchanges("internal", topic)]
