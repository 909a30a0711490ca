"""The benchmark's targets table judges the worst user class and gives every class its row."""

from __future__ import annotations

from typing import Any

from bench.load.targets import targets_markdown

CLASSES = ("admin", "restricted member (narrow book)")


def _call(system: str, user_class: str, call: str, p50: float, cpu: float) -> dict[str, Any]:
    answer = "same" if system in ("peer2", "peer3") else "–"
    return {"system": system, "user_class": user_class, "call": call, "answer": answer,
            "p50": p50, "p95": p50, "p99": p50, "app_cpu_ms": cpu, "pg_cpu_ms": 0.1,
            "calls": 10, "errors": 0, "statements": None}  # fmt: skip


def _run(member_p50: float, member_statements: int) -> dict[str, Any]:
    """A run in which every class meets every target, except what the member's figures break."""
    calls, ratios, throughput, census = [], [], [], []
    for user_class in CLASSES:
        p50 = member_p50 if user_class != "admin" else 4.0
        for label in ("list accounts", "search (typo)", "semantic_search"):
            calls.append(_call("accountlens", user_class, label, p50, 4.0))
            if label != "semantic_search":
                calls.append(_call("peer3", user_class, label, 4.0, 3.5))
                ratios.append({"user_class": user_class, "call": label,
                               "p50_vs_peer3": round(p50 / 4.0, 2), "p50_vs_floor": 1.2,
                               "app_cpu_vs_peer3": 1.1, "pg_cpu_vs_floor": 1.0})  # fmt: skip
        throughput.append({"system": "accountlens", "user_class": user_class,
                           "calls_per_s": 400.0, "p99": 40.0, "errors": 0,
                           "app_cpu_ms": 4.0, "pg_cpu_ms": 0.5})  # fmt: skip
        statements = member_statements if user_class != "admin" else 3
        census.append({"user_class": user_class, "call": "list accounts",
                       "statements": statements, "round_trips": statements + 2})  # fmt: skip
    peers = {"calls": calls, "ratios": ratios, "throughput": throughput, "clients": 16}
    return {
        "peers": peers,
        "census": census,
        "recall": {c: {"recall_at_10": 1.0} for c in CLASSES},
        "levels": [{"clients": 1}, {"clients": 16}],
        "calls": [{"label": "list accounts", "p99_busiest": 90.0}],
    }


def _verdicts(table: str) -> dict[str, str]:
    rows = [line.split(" | ") for line in table.splitlines() if line.count(" | ") == 2]
    return {cells[0].lstrip("| "): cells[2].rstrip(" |") for cells in rows[1:]}


def test_a_run_that_meets_every_target_says_so_for_each_target() -> None:
    verdicts = _verdicts(targets_markdown(_run(member_p50=4.0, member_statements=3)))

    assert verdicts
    assert set(verdicts.values()) == {"yes"}


def test_a_restricted_members_slow_calls_fail_the_targets_even_when_the_admin_meets_them() -> None:
    table = targets_markdown(_run(member_p50=9.0, member_statements=5))
    verdicts = _verdicts(table)

    assert verdicts["cheap calls p50 ≤ 6 ms"] == "no"
    assert verdicts["cheap calls p50 ≤ 1.3× peer 3"] == "no"
    assert verdicts["statements / round trips per cheap call ≤ 3 / ≤ 6"] == "no"
    member_row = next(line for line in table.splitlines() if line.startswith("| restricted"))
    assert "| 9.0 |" in member_row
    assert "| 5 / 7 |" in member_row
