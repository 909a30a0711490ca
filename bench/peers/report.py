"""The peers step's tables: issue 12's targets, then every call, throughput and the ratios."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.peers.systems import CHEAP, SEARCH, SYSTEMS


def _v(value: Any) -> str:
    return "–" if value is None else str(value)


def peers_markdown(result: dict[str, Any]) -> str:
    """The tables of docs/performance.md's peers section."""
    lines = [
        f"Run {result['date']} · preset `{result['scale']}` · {result['cpus']} CPUs · "
        f"{result['seconds_per_slice']} s per slice × {result['rounds']} rounds · "
        f"load average at end {result['load_avg_at_end']}",
        "",
        "| call | user class | system | answer | p50 ms | p95 ms | p99 ms | app CPU ms/call | "
        "PG CPU ms/call | statements |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in sorted(result["calls"], key=lambda r: (r["call"], r["user_class"],
                                                     SYSTEMS.index(r["system"]))):  # fmt: skip
        app = "–" if r["system"] == "floor" else r["app_cpu_ms"]
        lines.append(f"| {r['call']} | {r['user_class']} | {r['system']} | {r['answer']} | "
                     f"{r['p50']} | {r['p95']} | {r['p99']} | {app} | {r['pg_cpu_ms']} | "
                     f"{_v(r['statements'])} |")  # fmt: skip
    lines += ["", f"Cheap mix at {result['clients']} clients:", "",
              "| user class | system | calls/s | p99 ms | errors | app CPU ms/call | "
              "PG CPU ms/call |", "|---|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for t in sorted(result["throughput"], key=lambda t: (t["user_class"],
                                                          SYSTEMS.index(t["system"]))):  # fmt: skip
        lines.append(f"| {t['user_class']} | {t['system']} | {t['calls_per_s']} | {t['p99']} | "
                     f"{t['errors']} | {t['app_cpu_ms']} | {t['pg_cpu_ms']} |")  # fmt: skip
    lines += ["", "| call | user class | AccountLens / peer 3 p50 | AccountLens / floor p50 | "
              "app CPU / peer 3 | PG CPU / floor |", "|---|---|---:|---:|---:|---:|"]  # fmt: skip
    for q in sorted(result["ratios"], key=lambda q: (q["call"], q["user_class"])):
        lines.append(f"| {q['call']} | {q['user_class']} | {_v(q['p50_vs_peer3'])} | "
                     f"{_v(q['p50_vs_floor'])} | {_v(q['app_cpu_vs_peer3'])} | "
                     f"{_v(q['pg_cpu_vs_floor'])} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def met(ok: bool) -> str:
    return "yes" if ok else "no"


def target_rows(result: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Issue 12's targets this step judges, each ``(target, this run, met?)``: worst class."""
    ours = [r for r in result["calls"] if r["system"] == "accountlens" and r["call"] in CHEAP]
    ratios = [q["p50_vs_peer3"] for q in result["ratios"]
              if q["p50_vs_peer3"] is not None and q["call"] in CHEAP]  # fmt: skip
    searches = [r for r in result["calls"] if r["system"] == "accountlens" and r["call"] in SEARCH]
    search_cpu = max((r["app_cpu_ms"] for r in searches), default=0.0)
    search_ratio = max((q["p50_vs_floor"] or 0.0 for q in result["ratios"]
                        if q["call"] in SEARCH), default=0.0)  # fmt: skip
    mix = [t for t in result["throughput"] if t["system"] == "accountlens"]
    worst_p50 = max((r["p50"] for r in ours), default=0.0)
    worst_cpu = max((r["app_cpu_ms"] for r in ours), default=0.0)
    rate = min((t["calls_per_s"] for t in mix), default=0.0)
    p99 = max((t["p99"] for t in mix), default=0.0)
    errors = sum(t["errors"] for t in mix) + sum(r["errors"] for r in ours)
    worst_ratio = max(ratios, default=0.0)
    checked = [r for r in result["calls"] if r["answer"] != "–"]
    wrong = [r for r in checked if r["answer"] != "same"]
    return [
        ("peers answer what AccountLens answers (structuredContent, every call and user class)",
         f"{len(checked) - len(wrong)} of {len(checked)} same", met(not wrong)),
        ("cheap calls p50 ≤ 1.3× peer 3", f"worst {worst_ratio}×", met(worst_ratio <= 1.3)),
        ("cheap calls p50 ≤ 6 ms", f"worst {worst_p50} ms", met(worst_p50 <= 6)),
        ("app CPU per cheap call ≤ 5 ms", f"worst {worst_cpu} ms", met(worst_cpu <= 5)),
        (f"cheap mix at {result['clients']} clients ≥ 300 calls/s, 0 errors, p99 ≤ 100 ms",
         f"slowest class {rate} calls/s, p99 {p99} ms, {errors} errors",
         met(rate >= 300 and errors == 0 and p99 <= 100)),
        ("keyword search app CPU ≤ 5 ms; p50 ≤ 1.5× its SQL floor",
         f"worst {search_cpu} ms; {search_ratio}×", met(search_cpu <= 5 and search_ratio <= 1.5)),
    ]  # fmt: skip


def mismatches(result: dict[str, Any]) -> list[str]:
    """One line per peer answer that differs from AccountLens's (said before any figure)."""
    wrong = [r for r in result["calls"] if r["answer"] not in ("–", "same")]
    if not wrong:
        return []
    return ["", f"**MISMATCH: {len(wrong)} peer answers differ from AccountLens's**:"] + [
        f"- {r['system']} · {r['user_class']} · {r['call']}: {r['answer']}" for r in wrong
    ]


def targets_markdown(result: dict[str, Any]) -> str:
    """Issue 12's targets for the cheap calls, judged from this step alone (worst user class)."""
    rows = [*target_rows(result), ("statements / round trips per cheap call ≤ 3 / ≤ 6",
             "counted by the full run (`python -m bench`)", "–")]  # fmt: skip
    lines = ["| target (issue 12) | this run | met? |", "|---|---|---|"]
    lines += [f"| {what} | {value} | {ok} |" for what, value, ok in rows]
    return "\n".join(lines + mismatches(result)) + "\n"


def write(result: dict[str, Any], out_dir: Path, stamp: str, tag: str) -> Path:
    result["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    table = targets_markdown(result) + "\n" + peers_markdown(result)
    out = out_dir / f"{stamp}{tag}-peers.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    (out_dir / f"{stamp}{tag}-peers.md").write_text(table)
    result["markdown"] = table
    return out
