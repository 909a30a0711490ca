"""Seeded randomness: every generated value comes from a named, reproducible stream.

Each part of the workspace draws from its own ``random.Random`` seeded with the build seed and a
label (``"northwind/account/17"``), so rows do not depend on the order the generator visits
things in, and batching or skipping a part never shifts the values of another. String seeds are
hashed with SHA-512 by :mod:`random`, which does not depend on ``PYTHONHASHSEED``.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import TypeVar

T = TypeVar("T")


def stream(seed: int, *labels: object) -> random.Random:
    """A generator for one named part of the build."""
    return random.Random("/".join([str(seed), *map(str, labels)]))


def new_id(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID drawn from ``rng`` (so primary keys are reproducible too)."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def weighted(rng: random.Random, choices: Sequence[tuple[T, float]]) -> T:
    """Pick one value from ``(value, weight)`` pairs."""
    values = [value for value, _ in choices]
    weights = [weight for _, weight in choices]
    return rng.choices(values, weights=weights, k=1)[0]


def count_around(rng: random.Random, mean: float) -> int:
    """A non-negative whole number whose average over many draws is ``mean``."""
    whole = int(mean)
    return whole + (1 if rng.random() < mean - whole else 0)


def midnight(day: date) -> datetime:
    """The start of ``day`` in UTC."""
    return datetime.combine(day, time(0), tzinfo=UTC)
