"""Results: one JSON document per run and the markdown tables printed and linked from docs."""

from __future__ import annotations

from typing import Any

TARGETS = (
    ("list/search/get p50, 1 client", "≤ 10 ms"),
    ("semantic_search p50, 1 client", "≤ 40 ms"),
    ("throughput, 16 clients", "≥ 300 calls/s, p99 ≤ 150 ms, 0 errors"),
    ("recall@10, every user class", "≥ 0.95"),
    ("overhead vs raw SQL at p50", "≤ 4×"),
)


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def recall_table(recall: dict[str, dict[str, Any]]) -> str:
    """Semantic-search recall@10 per user class, as a markdown table."""
    lines = ["| user class | semantic recall@10 (vector mode, vs exact) |", "|---|---:|"]
    lines += [f"| {user_class} | {row['recall_at_10']} |" for user_class, row in recall.items()]
    return "\n".join(lines) + "\n"


def markdown(result: dict[str, Any]) -> str:
    """The tables of docs/performance.md for one run."""
    lines = [
        f"Run {result['date']} · preset `{result['dataset']['scale']}` · "
        f"{result['machine']['cpus']} CPUs · {result['server']['workers']} uvicorn worker(s) · "
        f"{result['seconds_per_level']:.0f} s per level",
        "",
        "| call | tool | p50 ms | p95 ms | p99 ms | floor p50 ms | × floor | SQL stmts | "
        "bytes | ≈tokens | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["calls"]:
        ratio = "–" if row["ratio"] is None else f"{row['ratio']:.1f}"
        statements = "–" if row["statements"] is None else str(row["statements"])
        lines.append(
            f"| {row['label']} | `{row['tool']}` | {_ms(row['p50'])} | {_ms(row['p95'])} | "
            f"{_ms(row['p99'])} | {_ms(row['floor_p50'])} | {ratio} | {statements} | "
            f"{row['bytes']} | {row['tokens']} | {row['errors']} |"
        )
    lines += [
        "",
        "| clients | calls/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for level in result["levels"]:
        lines.append(
            f"| {level['clients']} | {level['throughput']:.0f} | {_ms(level['p50'])} | "
            f"{_ms(level['p95'])} | {_ms(level['p99'])} | {level['errors']} |"
        )
    lines += ["", recall_table(result["recall"])]
    memory = result["memory"]
    lines += [
        f"Peak memory: app {memory['app_peak_mb']} MB RSS, PostgreSQL "
        f"{memory.get('postgres_pss_mb', '–')} MB PSS"
        f" · server start {result['server']['startup_s']:.0f} s · demo build "
        f"{result['dataset']['build_seconds'] or '–'} s"
        f"{' (reused)' if result['dataset']['reused'] else ''}",
    ]
    return "\n".join(lines) + "\n"
