"""The fault script's figures as one markdown table, then its checks, PASS or FAIL."""

from __future__ import annotations

from typing import Any


def _ms(figures: dict[str, float]) -> str:
    return f"{figures['p50']:.0f} / {figures['p95']:.0f} / {figures['p99']:.0f} ms"


def _per_process(values: dict[Any, float | None]) -> str:
    return ", ".join(
        f"process {int(p) + 1}: {'never' if v is None else f'{v:.2f} s'}" for p, v in values.items()
    )


def _kinds(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} ×{v}" for k, v in sorted(counts.items())) or "none"


def table(result: dict[str, Any]) -> str:
    """Figures first (what was measured), checks after (what had to hold)."""
    opts, machine = result["options"], result["machine"]
    a, b, audit = result["phase_a"], result["phase_b"], result["audit"]
    inside = b["in_window"]
    start = " ".join(f"{x:.2f}" for x in machine["load_avg_at_start"])
    end = " ".join(f"{x:.2f}" for x in machine["load_avg_at_end"])
    rows = [
        ("A", "load", f"{opts['clients']} clients, {opts['processes']} processes "
                      f"(1 worker each), {opts['connections']} connections, {a['seconds']:.0f} s"),
        ("A", "requests / errors", f"{a['requests']} / {a['errors']} {a['errors_by_kind'] or ''}"),
        ("A", "latency p50 / p95 / p99", _ms(a["latency_ms"])),
        ("A", "throughput", f"{a['calls_per_s']} calls/s"),
        ("B", "PostgreSQL down", f"{b['db_down_s']:.1f} s (stop {b['db_stop_s']:.2f} s, "
                                 f"start {b['db_start_s']:.2f} s)"),
        ("B", "answers in the fault window", _kinds(inside["by_kind"])),
        ("B", "in flight when PostgreSQL stopped", _kinds(inside["in_flight_at_stop"])),
        ("B", "sent while it was away (until recovery)", _kinds(inside["sent_during"])),
        ("B", "503 latency p50 / p95 / p99 (max)",
         f"{_ms(inside['latency_503_ms'])} ({inside['latency_503_ms']['max']:.0f} ms)"),
        ("B", "/healthz latency meanwhile (no database)",
         f"{_ms(inside['healthz_latency_ms'])} ({inside['healthz_latency_ms']['max']:.0f} ms)"),
        ("B", "recovery: DB up → first successful call", _per_process(b["recovery_s"])),
        ("B", "… of which that call itself took",
         ", ".join(f"process {int(p) + 1}: {'–' if v is None else f'{v:.0f} ms'}"
                   for p, v in b["recovery_call_latency_ms"].items())),
        ("B", "recovery: DB up → /readyz 200", _per_process(b["readyz_recovery_s"])),
        ("B", "calls outside the window / errors",
         f"{b['outside_window']['requests']} / {b['outside_window']['errors']}"),
        ("B", "probes while PostgreSQL was down",
         ", ".join(f"{k} ×{v}" for k, v in sorted(b["probes_while_down"].items()))),
        ("audit", "successful calls / outside window / ok audit rows",
         f"{audit['ok_calls']} / {audit['ok_outside_window']} / {audit['audit_rows_ok']}"),
        ("C", "revocation on process 1 → process 2",
         "; ".join(f"{r['how']}: {r['before']} → {r['after']}" for r in result["phase_c"])),
    ]  # fmt: skip
    lines = [
        f"Fault run {result['date']} · preset `{opts['scale']}` · {machine['cpus']} CPUs · "
        f"load average {start} at start, {end} at end",
        "",
        "| phase | figure | value |",
        "|---|---|---|",
        *(f"| {phase} | {name} | {value} |" for phase, name, value in rows),
        "",
        *(
            f"{'PASS' if c['passed'] else 'FAIL'}  {c['name']}: {c['figure']}"
            for c in result["checks"]
        ),
    ]
    return "\n".join(lines)
