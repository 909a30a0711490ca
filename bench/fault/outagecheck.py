"""Phase B's figures and checks: what clients and probes saw while PostgreSQL was away.

Calls in a process's fault window (:mod:`bench.fault.checks`) are split in two: those already in
flight when PostgreSQL was told to stop (they may have passed the token check just before), and
those sent afterwards, which the token check must refuse with a 503. "Fast" means that a 503
does not wait on the database: a request that waited for its 5 s connect or pool timeout would
take that long, so the median 503 must come back within a second. Their tail is reported beside
that of ``/healthz`` (which never touches the database) over the same seconds: on a busy machine
both include the time a request queues for the CPU behind the calls in progress.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from bench.fault.checks import Check, Window, latencies, load_figures
from bench.fault.clients import Event
from bench.fault.outage import Outage, first_ok_after

#: The median 503 must be faster than this. Waiting for the database's connect or pool
#: timeout (5 s, ``accountlens.db.engine.create_engine``) would be five times slower.
FAST_503_MEDIAN_MS = 1000.0


def _kinds(events: list[Event]) -> dict[str, int]:
    return dict(sorted(Counter(e.kind for e in events).items()))


def _listed(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} ×{v}" for k, v in counts.items()) or "none"


def _recovery(
    events: list[Event], outage: Outage, processes: list[int]
) -> dict[str, dict[int, float | None]]:
    """Seconds from PostgreSQL being back to each process's first success and first ready."""
    first_ok = {p: first_ok_after(events, p, outage.up) for p in processes}
    took = {
        p: next((e.latency_ms for e in events if e.process == p and e.done == t), None)
        for p, t in first_ok.items()
    }
    ready: dict[int, float | None] = {}
    for p in processes:
        times = [
            x.at
            for x in outage.probes
            if x.process == p and x.path == "/readyz" and x.status == 200 and x.at > outage.up
        ]
        ready[p] = round(min(times) - outage.up, 2) if times else None
    since_up = {p: None if t is None else round(t - outage.up, 2) for p, t in first_ok.items()}
    return {
        "recovery_s": since_up,
        "recovery_call_latency_ms": took,
        "readyz_recovery_s": ready,
    }


def outage_figures(
    events: list[Event], outage: Outage, spans: dict[int, Window]
) -> tuple[dict[str, Any], list[Check]]:
    """Phase B's figures and checks."""
    inside = [e for e in events if spans[e.process].holds(e)]
    outside = [e for e in events if not spans[e.process].holds(e)]
    in_flight = [e for e in inside if e.sent < outage.stop_sent]
    sent_during = [e for e in inside if e.sent >= outage.stop_sent]
    refused = [e for e in inside if e.kind == "http_503"]
    retry = {"ok", "http_503", "unavailable"}  # answers that tell the client to come back
    down = [x for x in outage.probes if outage.stop_sent <= x.at <= outage.up]
    health = Counter(f"{x.path} {x.status}" for x in down if x.at >= outage.stopped)
    healthz_ms = latencies([x.latency_ms for x in down if x.path == "/healthz"])
    refused_ms = latencies([e.latency_ms for e in refused])
    outside_figures = load_figures(outside, 0.0)
    recovery = _recovery(events, outage, list(spans))
    figures = {
        "times": outage.as_json(),
        "db_stop_s": round(outage.stopped - outage.stop_sent, 2),
        "db_down_s": round(outage.up - outage.stop_sent, 2),
        "db_start_s": round(outage.up - outage.start_sent, 2),
        "in_window": {
            "requests": len(inside),
            "by_kind": _kinds(inside),
            "status_codes": dict(Counter(str(e.status) for e in inside)),
            "in_flight_at_stop": _kinds(in_flight),
            "sent_during": _kinds(sent_during),
            "latency_503_ms": refused_ms,
            "healthz_latency_ms": healthz_ms,
            "unexpected_examples": sorted(
                {f"{e.kind} {e.detail}" for e in inside if e.kind not in retry}
            )[:5],
        },
        "outside_window": {k: v for k, v in outside_figures.items() if k != "calls_per_s"},
        **recovery,
        "probes_while_down": dict(health),
    }
    never = [p for p, t in recovery["recovery_s"].items() if t is None]
    checks = [
        Check("B: calls outside the fault window all succeed", not outside_figures["errors"],
              f"{outside_figures['errors']} errors in {len(outside)} calls"),
        Check("B: calls sent while PostgreSQL was away get 503 or UNAVAILABLE (or succeed)",
              set(_kinds(sent_during)) <= retry, _listed(_kinds(sent_during))),
        Check("B: calls in flight when it stopped get 503, UNAVAILABLE or succeed (no 500)",
              set(_kinds(in_flight)) <= retry, _listed(_kinds(in_flight))),
        Check("B: 503s fail fast (median ≤ 1 s, not the database's 5 s timeouts)",
              bool(refused) and refused_ms["p50"] <= FAST_503_MEDIAN_MS,
              f"p50 {refused_ms['p50']:.0f} / p99 {refused_ms['p99']:.0f} / max "
              f"{refused_ms['max']:.0f} ms; /healthz meanwhile p50 {healthz_ms['p50']:.0f} / "
              f"p99 {healthz_ms['p99']:.0f} ms"),
        Check("B: every process recovers by itself", not never,
              ", ".join(f"process {p + 1}: {'never' if s is None else f'{s:.2f} s'}"
                        for p, s in recovery["recovery_s"].items())),
        Check("B: liveness answered throughout, readiness said 503 while down",
              set(health) <= {"/healthz 200", "/readyz 503"} and bool(health), _listed(health)),
    ]  # fmt: skip
    return figures, checks
