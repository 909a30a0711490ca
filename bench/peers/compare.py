"""The peers step: check every peer's answers against AccountLens's, then time interleaved.

A peer whose ``structuredContent`` differs from AccountLens's is not a fair comparison, so the
check runs before any timing, for every call and user class, and each verdict is kept with the
call's row. A difference is printed as a ``MISMATCH`` line naming the first differing value
and counted in the targets table (:mod:`bench.peers.report`); nothing is dropped or hidden.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.load.lean_http import LeanClient
from bench.load.mcp_client import call_tool
from bench.load.workload import Call, UserMix
from bench.peers.floor import floor_runner
from bench.peers.systems import (
    CHEAP,
    PEER2_CALLS,
    SEARCH,
    SEMANTIC,
    SYSTEMS,
    Cell,
    Peers,
    Work,
    _strip,
    app_pids,
    caller_of,
    closed_loop,
    cpu_ms,
    postgres_pids,
)

Key = tuple[str, str, str]  # system, user class, call label


def _applies(system: str, label: str) -> bool:
    if label in SEMANTIC:
        return system == "accountlens"
    return system != "peer2" or label in PEER2_CALLS


def first_difference(ours: Any, theirs: Any, path: str = "") -> str | None:
    """Where two answers first differ (``records[3].detail: 'a' != 'b'``), or None."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(ours.keys() | theirs.keys()):
            if key not in theirs or key not in ours:
                side = "peer lacks" if key not in theirs else "peer adds"
                return f"{path}{'.' if path else ''}{key}: {side} it"
            found = first_difference(ours[key], theirs[key], f"{path}{'.' if path else ''}{key}")
            if found:
                return found
        return None
    if isinstance(ours, list) and isinstance(theirs, list):
        for i, (a, b) in enumerate(zip(ours, theirs, strict=False)):
            found = first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        if len(ours) != len(theirs):
            return f"{path}: {len(ours)} items, peer {len(theirs)}"
        return None
    if ours != theirs:
        return f"{path}: {ours!r:.60} != peer {theirs!r:.60}"
    return None


async def check_answers(
    clients: dict[str, LeanClient], mixes: list[UserMix], log: Callable[[str], None]
) -> dict[str, str]:
    """``system|user class|call`` -> ``same``, or where it differs, for each peer answer."""
    verdicts: dict[str, str] = {}
    for mix in mixes:
        for call in mix.calls:
            ours = await call_tool(clients["accountlens"], mix.token, call.tool, call.arguments)
            for system in ("peer2", "peer3"):
                if not _applies(system, call.label) or call.label in SEMANTIC:
                    continue
                theirs = await call_tool(clients[system], mix.token, call.tool, call.arguments)
                a, b = _strip(ours.structured), _strip(theirs.structured)
                if a is None or b is None or not (ours.ok and theirs.ok):
                    error = theirs.error or ours.error or "no structuredContent"
                    verdict = "same" if a == b and ours.ok == theirs.ok else f"error: {error}"
                else:
                    where = first_difference(a, b)
                    verdict = "same" if where is None else f"differs at {where}"
                verdicts[f"{system}|{mix.user_class}|{call.label}"] = verdict[:240]
    wrong = {k: v for k, v in verdicts.items() if v != "same"}
    for key, verdict in wrong.items():
        log(f"peers: MISMATCH {key}: {verdict}")
    log(f"peers: answers checked: {len(verdicts) - len(wrong)} of {len(verdicts)} same"
        + (f", {len(wrong)} MISMATCHED (the timings of those rows compare unlike answers)"
           if wrong else ""))  # fmt: skip
    return verdicts


def _work(
    system: str, mix: UserMix, call: Call, peers: Peers, clients: dict[str, LeanClient]
) -> Work:
    if system == "floor":
        runner = floor_runner(call.label, caller_of(mix), mix.facts)
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
    clients = {s: LeanClient(u, max_connections=clients_high) for s, u in urls.items()}
    try:
        # Copies: the full run goes on using the whole mix after this step.
        mixes = [
            replace(m, calls=[c for c in m.calls if c.label in CHEAP + SEARCH + SEMANTIC],
                    facts=dict(m.facts))
            for m in mixes
        ]  # fmt: skip
        for mix in mixes:
            mix.facts["search_queries"] = {
                c.label: c.arguments["query"] for c in mix.calls if c.label in SEARCH
            }
        verdicts = await check_answers(clients, mixes, log)
        roots = {**peers.app_roots, "accountlens": [server_pid]}
        apps = {s: [pid for root in pids for pid in app_pids(root)] for s, pids in roots.items()}
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
            statements = 1  # every call of bench.peers.sql is one statement
        rows.append({"system": system, "user_class": user_class, "call": label,
                     "answer": verdicts.get(f"{system}|{user_class}|{label}", "–"),
                     "statements": statements, **cell.row()})  # fmt: skip
    by = {(r["system"], r["user_class"], r["call"]): r for r in rows}
    ratios = []
    for (system, user_class, label), ours in by.items():
        if system != "accountlens" or label in SEMANTIC:  # semantic: no peer, no floor here
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
