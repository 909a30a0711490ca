"""The load driver: N closed-loop clients replaying the mix over HTTP for a fixed time.

Each client walks every user's calls in its own seeded order and sends the next call as soon as
the previous answer arrives, so throughput is what the server sustains at that concurrency.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field

from bench.load.lean_http import LeanClient, LeanHttpError
from bench.load.mcp_client import answer_bytes, call_tool
from bench.load.workload import Call, UserMix


@dataclass
class Samples:
    """Latencies (ms), errors and answer sizes of one call label at one concurrency."""

    tool: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    bytes: list[int] = field(default_factory=list)
    error_examples: list[str] = field(default_factory=list)


@dataclass
class LevelResult:
    clients: int
    seconds: float
    calls: int
    errors: int
    by_label: dict[str, Samples]

    @property
    def throughput(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    def all_latencies(self) -> list[float]:
        return [x for s in self.by_label.values() for x in s.latencies]


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank over sorted values); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


async def run_level(
    base_url: str,
    mixes: list[UserMix],
    clients: int,
    seconds: float,
    warmup: float,
    min_passes: int = 0,
) -> LevelResult:
    """Drive ``clients`` concurrent clients for ``warmup`` + ``seconds``; record the latter.

    With ``min_passes``, each client also keeps going until it has measured every call of the
    mix that many times (so one slow client still times every tool).
    """
    work: list[tuple[UserMix, Call]] = [(m, c) for m in mixes for c in m.calls]
    by_label: dict[str, Samples] = defaultdict(lambda: Samples(""))
    async with LeanClient(base_url, max_connections=clients) as http:
        started = time.monotonic()
        measure_from = started + warmup
        stop_at = measure_from + seconds

        async def client(number: int) -> None:
            order = list(work)
            random.Random(number).shuffle(order)
            i = 0
            warm_calls = -1  # calls sent before measuring started (-1: still warming up)
            while True:
                mix, call = order[i % len(order)]
                i += 1
                sent = time.monotonic()
                measured_passes = (i - 1 - warm_calls) // len(order) if warm_calls >= 0 else 0
                if sent >= stop_at and (warm_calls < 0 or measured_passes >= min_passes):
                    return
                if sent >= measure_from and warm_calls < 0:
                    warm_calls = i - 1
                try:
                    result = await call_tool(http, mix.token, call.tool, call.arguments)
                    ok, size, error = result.ok, answer_bytes(result), result.error
                except LeanHttpError as exc:
                    ok, size, error = False, 0, repr(exc)
                took = (time.monotonic() - sent) * 1000
                if sent < measure_from:
                    continue
                samples = by_label[call.label]
                samples.tool = call.tool
                samples.latencies.append(took)
                samples.bytes.append(size)
                if not ok:
                    samples.errors += 1
                    if len(samples.error_examples) < 3:
                        samples.error_examples.append(f"{mix.user_class}: {error}")

        await asyncio.gather(*(client(n) for n in range(clients)))
        elapsed = time.monotonic() - measure_from
    calls = sum(len(s.latencies) for s in by_label.values())
    errors = sum(s.errors for s in by_label.values())
    return LevelResult(clients, elapsed, calls, errors, dict(by_label))
