"""Issue 12's targets table from one full run: the peers step, the load, recall and the census.

Each target is judged on the worst user class, and a second table gives every class its own
row, so a restricted member's miss is never hidden behind the admin's figures.
"""

from __future__ import annotations

from typing import Any

from bench.peers.report import met, mismatches, target_rows
from bench.peers.systems import CHEAP, SEARCH, SEMANTIC

#: Any call of the full mix at the highest concurrency, on the large preset.
FULL_MIX_P99_MS = 500.0
SEMANTIC_P50_MS = 40.0
RECALL_AT_10 = 0.95
STATEMENTS, ROUND_TRIPS = 3, 6


def _worst(values: list[float]) -> float:
    return max(values, default=0.0)


def _class_row(peers: dict[str, Any], census: list[dict[str, Any]], recall: dict[str, Any],
               user_class: str) -> str:  # fmt: skip
    def ours(labels: tuple[str, ...]) -> list[dict[str, Any]]:
        return [r for r in peers["calls"] if r["system"] == "accountlens"
                and r["user_class"] == user_class and r["call"] in labels]  # fmt: skip

    cheap, search, semantic = ours(CHEAP), ours(SEARCH), ours(SEMANTIC)
    ratios = [q for q in peers["ratios"] if q["user_class"] == user_class]
    peer3 = _worst([q["p50_vs_peer3"] or 0.0 for q in ratios if q["call"] in CHEAP])
    floor = _worst([q["p50_vs_floor"] or 0.0 for q in ratios if q["call"] in SEARCH])
    mixes = [t for t in peers["throughput"] if t["system"] == "accountlens"]
    mix = next((t for t in mixes if t["user_class"] == user_class), None)
    wire = [c for c in census if c["user_class"] == user_class and c["call"] in CHEAP]
    statements = max((c["statements"] for c in wire), default=None)
    trips = max((c["round_trips"] for c in wire), default=None)
    recall_at_10 = (recall.get(user_class) or {}).get("recall_at_10", "–")
    throughput = "–" if mix is None else f"{mix['calls_per_s']} · p99 {mix['p99']}"
    return (
        f"| {user_class} | {_worst([r['p50'] for r in cheap])} | {peer3}× | "
        f"{_worst([r['app_cpu_ms'] for r in cheap])} | {throughput} | "
        f"{_worst([r['app_cpu_ms'] for r in search])} · {floor}× | "
        f"{_worst([r['p50'] for r in semantic])} · {recall_at_10} | {statements} / {trips} |"
    )


def targets_markdown(result: dict[str, Any]) -> str:
    """The whole targets table (worst class), then one row per user class."""
    peers = result["peers"]
    census = result["census"]
    rows = list(target_rows(peers))
    semantic = [r["p50"] for r in peers["calls"]
                if r["system"] == "accountlens" and r["call"] in SEMANTIC]  # fmt: skip
    recalls = {c: r["recall_at_10"] for c, r in result["recall"].items()}
    low = min(recalls.values(), default=0.0)
    rows.append((f"semantic_search p50 ≤ {SEMANTIC_P50_MS:.0f} ms, recall@10 ≥ {RECALL_AT_10} "
                 "for every user class", f"worst {_worst(semantic)} ms; lowest recall {low}",
                 met(_worst(semantic) <= SEMANTIC_P50_MS and low >= RECALL_AT_10)))  # fmt: skip
    busiest = result["levels"][-1]["clients"] if result["levels"] else 0
    slowest = max(result["calls"], key=lambda c: c["p99_busiest"] or 0.0, default=None)
    if slowest is not None:
        rows.append((f"any call of the full mix, p99 at {busiest} clients ≤ "
                     f"{FULL_MIX_P99_MS:.0f} ms (judged on the large preset)",
                     f"worst {slowest['p99_busiest']} ms ({slowest['label']})",
                     met((slowest["p99_busiest"] or 0.0) <= FULL_MIX_P99_MS)))  # fmt: skip
    cheap = [c for c in census if c["call"] in CHEAP and c["statements"] >= 0]
    statements = max((c["statements"] for c in cheap), default=0)
    trips = max((c["round_trips"] for c in cheap), default=0)
    rows.append((f"statements / round trips per cheap call ≤ {STATEMENTS} / ≤ {ROUND_TRIPS}",
                 f"worst {statements} / {trips}",
                 met(statements <= STATEMENTS and trips <= ROUND_TRIPS)))  # fmt: skip
    lines = ["| target (issue 12) | this run | met? |", "|---|---|---|"]
    lines += [f"| {what} | {value} | {ok} |" for what, value, ok in rows]
    lines += mismatches(peers)
    lines += ["", "Per user class (worst cheap call of each; search = keyword search):", "",
              "| user class | cheap p50 ms | × peer 3 | app CPU ms | cheap mix calls/s · p99 ms "
              "| search app CPU ms · × floor | semantic p50 ms · recall@10 | "
              "statements / round trips |", "|---|---:|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    classes = sorted({r["user_class"] for r in peers["calls"]})
    lines += [_class_row(peers, census, result["recall"], c) for c in classes]
    return "\n".join(lines) + "\n"
