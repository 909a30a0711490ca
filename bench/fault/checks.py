"""The fault script's figures and pass/fail checks, computed from the clients' events and the
database's own records (audit rows, connections' last-used times).

The *fault window* of a process runs from the moment PostgreSQL was told to stop until that
process answered its first successful call after PostgreSQL was back. A call belongs to the
window when its send-to-answer span overlaps it; every other call must succeed. What happens
inside the window is judged in :mod:`bench.fault.outagecheck`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bench.fault.clients import Event
from bench.fault.outage import Outage, first_ok_after
from bench.load.driver import median, percentile

#: Slack for clock reads on both sides of the last-used comparison.
CLOCK_SLACK_S = 2.0


@dataclass(frozen=True)
class Check:
    """One pass/fail line of the report."""

    name: str
    passed: bool
    figure: str


def latencies(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(median(values), 1),
        "p95": round(percentile(values, 95), 1),
        "p99": round(percentile(values, 99), 1),
        "max": round(max(values, default=0.0), 1),
    }


def load_figures(events: list[Event], seconds: float) -> dict[str, Any]:
    """Requests, errors by kind, latency percentiles and calls/s of one stretch of load."""
    errors = Counter(e.kind for e in events if e.kind != "ok")
    examples = [f"{e.kind} {e.label}: {e.detail}" for e in events if e.kind != "ok"][:5]
    return {
        "requests": len(events),
        "ok": len(events) - sum(errors.values()),
        "errors": sum(errors.values()),
        "errors_by_kind": dict(errors),
        "error_examples": examples,
        "latency_ms": latencies([e.latency_ms for e in events]),
        "calls_per_s": round(len(events) / seconds, 1) if seconds else 0.0,
        "seconds": round(seconds, 1),
    }


@dataclass(frozen=True)
class Window:
    start: float
    end: float

    def holds(self, event: Event) -> bool:
        return event.sent <= self.end and event.done >= self.start


def windows(events: list[Event], outage: Outage, processes: list[int]) -> dict[int, Window]:
    """Each process's fault window (open-ended when it never recovered)."""
    last = max((e.done for e in events), default=outage.up)
    result = {}
    for process in processes:
        recovered = first_ok_after(events, process, outage.up)
        result[process] = Window(outage.stop_sent, recovered if recovered is not None else last)
    return result


def audit_figures(
    events: list[Event],
    spans: dict[int, Window],
    audited_ok: dict[int, int],
) -> tuple[dict[str, Any], Check]:
    """Per connection: successful calls the clients saw vs ``ok`` audit rows written.

    Every success outside the fault window must have its row; inside it a row may be missing
    (the answer was computed, then the audit write met the stopped database).
    """
    rows = []
    for number in sorted({e.connection for e in events}):
        mine = [e for e in events if e.connection == number and e.kind == "ok"]
        outside = sum(1 for e in mine if not spans.get(e.process, _NEVER).holds(e))
        audited = audited_ok.get(number, 0)
        passed = outside <= audited <= len(mine)
        rows.append({"connection": number, "ok_calls": len(mine), "ok_outside_window": outside,
                     "audit_rows_ok": audited, "passed": passed})  # fmt: skip
    lost = sum(r["ok_calls"] - r["audit_rows_ok"] for r in rows)
    outside_total = sum(r["ok_outside_window"] for r in rows)
    audited_total = sum(r["audit_rows_ok"] for r in rows)
    figures = {"connections": rows, "ok_calls": sum(r["ok_calls"] for r in rows),
               "ok_outside_window": outside_total, "audit_rows_ok": audited_total,
               "ok_calls_without_row": lost}  # fmt: skip
    check = Check(
        "audit: a row for every successful call outside the window",
        all(r["passed"] for r in rows),
        f"{audited_total} rows for {outside_total} + up to {lost + audited_total - outside_total}"
        f" calls; {lost} in-window successes without a row",
    )
    return figures, check


_NEVER = Window(0.0, -1.0)


def last_used_figures(
    events: list[Event], last_used: dict[int, datetime | None], resolution_s: float
) -> tuple[dict[str, Any], Check]:
    """Per connection: last-used must trail its last successful call by at most the resolution."""
    rows = []
    for number in sorted({e.connection for e in events}):
        oks = [e.sent for e in events if e.connection == number and e.kind == "ok"]
        stored = last_used.get(number)
        at = stored.timestamp() if stored is not None else None
        last_ok = max(oks, default=None)
        passed = last_ok is None or (
            at is not None and at >= last_ok - resolution_s - CLOCK_SLACK_S
        )
        lag = None if at is None or last_ok is None else round(last_ok - at, 1)
        rows.append({"connection": number, "last_ok_call": last_ok, "last_used_at": at,
                     "lag_s": lag, "passed": passed})  # fmt: skip
    worst = max((r["lag_s"] for r in rows if r["lag_s"] is not None), default=0.0)
    check = Check(
        "last used: written within its resolution of the last call",
        all(r["passed"] for r in rows),
        f"largest lag {worst:.1f} s (≤ {resolution_s:.0f} s)",
    )
    return {"connections": rows, "resolution_s": resolution_s}, check
