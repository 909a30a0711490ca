"""The peers step of ``python -m bench``: check answers, time interleaved, write the tables."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.load.mcp_client import call_tool
from bench.load.workload import Call, UserMix
from bench.peers.sql import FLOOR_STATEMENTS, floor_runner
from bench.peers.systems import (
    CHEAP,
    PEER2_CALLS,
    SEARCH,
    SYSTEMS,
    Cell,
    Peers,
    Work,
    _caller,
    _strip,
    app_pids,
    closed_loop,
    cpu_ms,
    postgres_pids,
)

Key = tuple[str, str, str]  # system, user class, call label


def _applies(system: str, label: str) -> bool:
    return system != "peer2" or label in PEER2_CALLS


async def check_answers(
    clients: dict[str, httpx.AsyncClient], mixes: list[UserMix]
) -> dict[str, str]:
    """``system|user class|call`` -> ``same``, or what differs, for each peer answer."""
    verdicts: dict[str, str] = {}
    for mix in mixes:
        for call in mix.calls:
            ours = await call_tool(clients["accountlens"], mix.token, call.tool, call.arguments)
            for system in ("peer2", "peer3"):
                if not _applies(system, call.label):
                    continue
                theirs = await call_tool(clients[system], mix.token, call.tool, call.arguments)
                a, b = _strip(ours.structured), _strip(theirs.structured)
                if a == b:
                    verdict = "same"
                elif a is None or b is None:
                    verdict = f"differs: {theirs.error or ours.error}"[:200]
                else:
                    keys = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
                    verdict = "differs in " + ", ".join(keys)
                verdicts[f"{system}|{mix.user_class}|{call.label}"] = verdict
    return verdicts


def _work(
    system: str, mix: UserMix, call: Call, peers: Peers, clients: dict[str, httpx.AsyncClient]
) -> Work:
    if system == "floor":
        runner = floor_runner(call.label, _caller(mix), mix.facts)
        assert runner is not None, call.label

        async def floor() -> bool:
            async with peers.pool.acquire() as conn:
                await runner(conn)
            return True

        return floor
    http = clients[system]

    async def tool() -> bool:
        return (await call_tool(http, mix.token, call.tool, call.arguments)).ok

    return tool


async def timed(
    cell: Cell, work: list[Work], clients: int, seconds: float, app: list[int], pg: list[int]
) -> float:
    """One slice into ``cell``; returns its calls per second."""
    app0, pg0 = cpu_ms(app), cpu_ms(pg)
    latencies, errors = await closed_loop(work, clients, seconds)
    cell.app_ms += cpu_ms(app) - app0
    cell.pg_ms += cpu_ms(pg) - pg0
    cell.latencies += latencies
    cell.calls += len(latencies)
    cell.errors += errors
    return len(latencies) / seconds


async def compare(
    server_pid: int, pgdata: Path, peers: Peers, base_url: str, mixes: list[UserMix],
    seconds: float, rounds: int, clients_high: int, log: Callable[[str], None],
) -> dict[str, Any]:  # fmt: skip
    """The whole peers comparison; the result document (also rendered as markdown)."""
    urls = {**peers.urls, "accountlens": base_url}
    limits = httpx.Limits(max_connections=clients_high, max_keepalive_connections=clients_high)
    clients = {s: httpx.AsyncClient(base_url=u, timeout=60, limits=limits) for s, u in urls.items()}
    try:
        for mix in mixes:
            mix.calls = [c for c in mix.calls if c.label in CHEAP + SEARCH]
            mix.facts["search_queries"] = {
                c.label: c.arguments["query"] for c in mix.calls if c.label in SEARCH
            }
        verdicts = await check_answers(clients, mixes)
        log(f"peers: answers {json.dumps(verdicts, indent=1)}")
        roots = {**peers.app_root, "accountlens": server_pid}
        apps = {s: app_pids(pid) for s, pid in roots.items()}
        apps["floor"] = []  # the floor runs in this process: its client CPU is not an app's
        pg = postgres_pids(pgdata)
        one: dict[Key, Cell] = defaultdict(Cell)
        many: dict[tuple[str, str], Cell] = defaultdict(Cell)
        rates: dict[tuple[str, str], list[float]] = defaultdict(list)
        for round_ in range(rounds):
            for mix in mixes:
                for call in mix.calls:
                    for system in SYSTEMS:
                        if _applies(system, call.label):
                            work = [_work(system, mix, call, peers, clients)]
                            cell = one[(system, mix.user_class, call.label)]
                            await timed(cell, work, 1, seconds, apps[system], pg)
                for system in SYSTEMS:
                    mixed = [_work(system, mix, c, peers, clients) for c in mix.calls
                             if c.label in CHEAP and _applies(system, c.label)]  # fmt: skip
                    cell = many[(system, mix.user_class)]
                    rate = await timed(cell, mixed, clients_high, seconds, apps[system], pg)
                    rates[(system, mix.user_class)].append(rate)
            log(f"peers: round {round_ + 1}/{rounds} timed")
    finally:
        for client in clients.values():
            await client.aclose()
    return _result(verdicts, one, many, rates, seconds, rounds, clients_high)


def _result(
    verdicts: dict[str, str], one: dict[Key, Cell], many: dict[tuple[str, str], Cell],
    rates: dict[tuple[str, str], list[float]], seconds: float, rounds: int, clients_high: int,
) -> dict[str, Any]:  # fmt: skip
    rows = []
    for (system, user_class, label), cell in one.items():
        statements = None
        if system in ("floor", "peer2"):
            statements = FLOOR_STATEMENTS.get(label, 1)
        rows.append({"system": system, "user_class": user_class, "call": label,
                     "answer": verdicts.get(f"{system}|{user_class}|{label}", "–"),
                     "statements": statements, **cell.row()})  # fmt: skip
    by = {(r["system"], r["user_class"], r["call"]): r for r in rows}
    ratios = []
    for (system, user_class, label), ours in by.items():
        if system != "accountlens":
            continue
        peer3, floor = by.get(("peer3", user_class, label)), by.get(("floor", user_class, label))

        def ratio(a: float, b: dict[str, Any] | None, key: str) -> float | None:
            return round(a / b[key], 2) if b and b[key] else None

        ratios.append({"user_class": user_class, "call": label,
                       "p50_vs_peer3": ratio(ours["p50"], peer3, "p50"),
                       "p50_vs_floor": ratio(ours["p50"], floor, "p50"),
                       "app_cpu_vs_peer3": ratio(ours["app_cpu_ms"], peer3, "app_cpu_ms"),
                       "pg_cpu_vs_floor": ratio(ours["pg_cpu_ms"], floor, "pg_cpu_ms"),
                       })  # fmt: skip
    throughput = [
        {"system": s, "user_class": u, "calls_per_s": round(sum(r) / len(r), 1),
         **{k: v for k, v in many[(s, u)].row().items() if k in ("p99", "errors",
                                                                  "app_cpu_ms", "pg_cpu_ms")}}
        for (s, u), r in rates.items()
    ]  # fmt: skip
    return {"seconds_per_slice": seconds, "rounds": rounds, "clients": clients_high,
            "calls": rows, "ratios": ratios, "throughput": throughput}  # fmt: skip


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
    lines += ["", f"Cheap mix at {result['clients']} clients (peer2: list and get only):", "",
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


def targets_markdown(result: dict[str, Any]) -> str:
    """Issue 12's targets for the cheap calls, judged from this run (worst user class)."""
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

    def met(ok: bool) -> str:
        return "yes" if ok else "no"

    worst_ratio = max(ratios, default=0.0)
    rows = [
        ("cheap calls p50 ≤ 1.3× peer 3", f"worst {worst_ratio}×", met(worst_ratio <= 1.3)),
        ("cheap calls p50 ≤ 6 ms", f"worst {worst_p50} ms", met(worst_p50 <= 6)),
        ("app CPU per cheap call ≤ 5 ms", f"worst {worst_cpu} ms", met(worst_cpu <= 5)),
        (f"cheap mix at {result['clients']} clients ≥ 300 calls/s, 0 errors, p99 ≤ 100 ms",
         f"slowest class {rate} calls/s, p99 {p99} ms, {errors} errors",
         met(rate >= 300 and errors == 0 and p99 <= 100)),
        ("keyword search app CPU ≤ 5 ms; p50 ≤ 1.5× its SQL floor",
         f"worst {search_cpu} ms; {search_ratio}×", met(search_cpu <= 5 and search_ratio <= 1.5)),
        ("statements / round trips per cheap call ≤ 3 / ≤ 6",
         "not counted by this step: `python -m bench.inprocess.fixedcost`", "–"),
    ]  # fmt: skip
    lines = ["| target (issue 12) | this run | met? |", "|---|---|---|"]
    lines += [f"| {what} | {value} | {ok} |" for what, value, ok in rows]
    return "\n".join(lines) + "\n"


def write(result: dict[str, Any], out_dir: Path, stamp: str, tag: str) -> Path:
    result["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    table = targets_markdown(result) + "\n" + peers_markdown(result)
    out = out_dir / f"{stamp}{tag}-peers.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    (out_dir / f"{stamp}{tag}-peers.md").write_text(table)
    result["markdown"] = table
    return out


__all__ = ["compare", "peers_markdown", "targets_markdown", "write"]
