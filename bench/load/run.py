"""One benchmark run, start to finish: data, server, connections, load, floor, recall, report."""

from __future__ import annotations

import json
import os
import platform
import secrets
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from accountlens.db.embedded import start_embedded
from accountlens.db.engine import EMBEDDED_DATABASE
from accountlens.ingest.embeddings import get_local_embedder
from bench.load import census, driver, floor, recall
from bench.load.connect import mint_token, register_client
from bench.load.dataset import ensure_dataset
from bench.load.report import markdown, recall_table
from bench.load.server import start_server
from bench.load.targets import targets_markdown
from bench.load.workload import SEMANTIC_QUERIES, USERS, UserMix, build_mix
from bench.peers import compare, report
from bench.peers.systems import start_peers

MB = 1024 * 1024


@dataclass(frozen=True)
class Options:
    data_dir: Path
    scale: str
    levels: tuple[int, ...]
    seconds: float
    warmup: float
    floor_repeats: int
    port: int
    out_dir: Path
    profile: bool
    tag: str
    profile_label: str | None = None
    workers: int = 1
    #: Run only this step ("recall"), with the server and connections it needs.
    only: str | None = None
    #: Labels of the calls to time (load, floor, census); empty: the whole mix.
    calls: tuple[str, ...] = ()
    #: Interleaved rounds of the peers step (each slice lasts ``seconds``).
    rounds: int = 3
    #: Run the peers step at the end of a full run (its targets table needs it).
    peers: bool = True


async def _connect_pg(data_dir: Path) -> asyncpg.Connection:
    server = start_embedded(data_dir / "pgdata")
    return await asyncpg.connect(
        host=str(server.socket_dir), port=server.port, user="postgres", database=EMBEDDED_DATABASE
    )


async def _facts(connection: asyncpg.Connection, mix: UserMix) -> None:
    """Who the user is in the database: what the floor needs to apply the same visibility."""
    row = await connection.fetchrow(
        "SELECT u.id, u.org_id, u.role, o.account_visibility, o.timezone FROM users u "
        "JOIN orgs o ON o.id = u.org_id WHERE u.email = $1",
        mix.email,
    )
    assert row is not None, mix.email
    sees_all = row["role"] == "admin" or row["account_visibility"] == "open"
    hidden = []  # fields an admin hid from the org's members (field-level security)
    if row["role"] != "admin":
        hidden = [(r["object_type"], r["field"]) for r in await connection.fetch(
            "SELECT object_type, field FROM field_security WHERE org_id = $1", row["org_id"],
        )]  # fmt: skip
    mix.facts |= {"user_id": row["id"], "org_id": row["org_id"], "sees_all": sees_all,
                  "hidden_account_fields": sorted(f for t, f in hidden if t == "account"),
                  "hidden_fields": sorted(hidden), "admin": row["role"] == "admin",
                  "timezone": row["timezone"] or "UTC"}  # fmt: skip


def _vectors() -> dict[str, str]:
    matrix = get_local_embedder().embed(list(SEMANTIC_QUERIES))
    return {
        q: "[" + ",".join(f"{x:.7f}" for x in row) + "]"
        for q, row in zip(SEMANTIC_QUERIES, matrix, strict=True)
    }


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(driver.median(values), 2),
        "p95": round(driver.percentile(values, 95), 2),
        "p99": round(driver.percentile(values, 99), 2),
    }


def _recall_only(options: Options, stamp: str, recalls: dict[str, Any], log: Any) -> dict[str, Any]:
    """The result of a ``--only recall`` run: the recall table, also written as JSON."""
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": options.scale,
        "recall": recalls,
    }
    out = options.out_dir / f"{stamp}{options.tag}-recall.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    log(f"results: {out}")
    result["markdown"] = recall_table(recalls)
    return result


async def _peers(
    options: Options, stamp: str, server: Any, secret_key: str, mixes: list[UserMix], log: Any
) -> dict[str, Any]:
    """The peers step: AccountLens next to the floor and the two MCP peers (bench.peers)."""
    peers = await start_peers(
        options.data_dir, server.base_url, secret_key, mixes, options.port, options.out_dir,
        workers=options.workers,
    )  # fmt: skip
    log(f"peers: {peers.urls} ({options.workers} worker(s) each, as AccountLens)")
    try:
        result = await compare.compare(
            server.process.pid, options.data_dir / "pgdata", peers, server.base_url, mixes,
            options.seconds, options.rounds, max(options.levels), log,
        )  # fmt: skip
    finally:
        await peers.pool.close()
        peers.stop()
    result |= {"scale": options.scale, "cpus": os.cpu_count(),
               "load_avg_at_end": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip
    out = report.write(result, options.out_dir, stamp, options.tag)
    log(f"results: {out}")
    return result


async def run(options: Options, log: Any = print) -> dict[str, Any]:
    """Everything in issue 6, in the order that keeps the measurements independent."""
    options.out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M")
    log(f"data: preset {options.scale} in {options.data_dir}")
    dataset = ensure_dataset(options.data_dir, options.scale, options.out_dir / "build.log")
    log(f"data: {'reused' if dataset.reused else 'built'} (build {dataset.build_seconds} s)")
    secret_key = secrets.token_urlsafe(48)
    server, startup = await start_server(
        options.data_dir,
        options.port,
        options.out_dir / "server.log",
        secret_key,
        workers=options.workers,
    )
    log(f"server: ready in {startup:.1f} s at {server.base_url} ({options.workers} workers)")
    server.start_sampling()
    pg = await _connect_pg(options.data_dir)
    try:
        mixes = []
        client_id = await register_client(server.base_url)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as http:
            for user_class, (email, role) in USERS.items():
                token = await mint_token(server.base_url, client_id, email, role)
                mix = await build_mix(http, UserMix(user_class, email, role, token))
                await _facts(pg, mix)
                if options.calls:
                    mix.calls = [c for c in mix.calls if c.label in options.calls]
                mixes.append(mix)
            log(f"connections: {len(mixes)} minted through OAuth; {len(mixes[0].calls)} calls each")
            if options.only == "peers":
                return await _peers(options, stamp, server, secret_key, mixes, log)
            vectors = _vectors()
            recalls = await recall.recall_by_class(http, pg, mixes, vectors)
            log(f"recall@10: {json.dumps({k: v['recall_at_10'] for k, v in recalls.items()})}")
            if options.only == "recall":
                return _recall_only(options, stamp, recalls, log)
        levels = []
        for clients in options.levels:
            level = await driver.run_level(
                server.base_url, mixes, clients, options.seconds, options.warmup,
                min_passes=2 if clients == 1 else 0,
            )  # fmt: skip
            levels.append(level)
            server.sample_postgres(options.data_dir.resolve() / "pgdata")
            p50 = driver.median(level.all_latencies())
            log(f"load: {clients:>2} clients  {level.throughput:6.1f} calls/s  "
                f"p50 {p50:6.1f} ms  errors {level.errors}")  # fmt: skip
        floors: dict[str, list[float]] = {}
        for mix in mixes:
            for call in mix.calls:
                runner = floor.runner_for(mix, call, vectors)
                if runner is not None:
                    latencies = await floor.time_floor(pg, runner, options.floor_repeats)
                    floors.setdefault(call.label, []).extend(latencies)
        log("floor: timed")
        statements: dict[str, list[int]] = {}
        wire: list[dict[str, Any]] = []
        inproc: dict[str, list[float]] = {}
        profile_path = None
        async with census.in_process_app(options.data_dir, server.base_url, secret_key) as app:
            local = mixes
            for mix in local:
                for call in mix.calls:
                    counted = await census.census(app, mix, call)
                    statements.setdefault(call.label, []).append(counted.statements)
                    inproc.setdefault(call.label, []).append(counted.took_ms)
                    wire.append({"user_class": mix.user_class, "call": call.label,
                                 "statements": counted.statements,
                                 "round_trips": counted.round_trips,
                                 "prepares": counted.prepares})  # fmt: skip
            first = levels[0]
            slowest = options.profile_label or max(
                first.by_label, key=lambda k: driver.median(first.by_label[k].latencies)
            )
            if options.profile:
                target = next(c for c in local[0].calls if c.label == slowest)
                profile_path = await census.profile(
                    app, local[0], target, 30, options.out_dir / f"{stamp}{options.tag}-profile.txt"
                )
                log(f"profile: {slowest} -> {profile_path}")
        server.sample_memory()
        peers = None
        if options.peers:  # last: it loads the machine with three servers at once
            peers = await _peers(options, stamp, server, secret_key, mixes, log)
    finally:
        await pg.close()
        server.stop()

    single, busiest = levels[0], levels[-1]
    calls = []
    for label, samples in single.by_label.items():
        floor_p50 = driver.median(floors[label]) if label in floors else None
        p50 = driver.median(samples.latencies)
        sizes = samples.bytes or [0]
        counts = statements.get(label, [])
        calls.append({
            "label": label, "tool": samples.tool, **_summary(samples.latencies),
            "p99_busiest": round(driver.percentile(busiest.by_label[label].latencies, 99), 2)
            if label in busiest.by_label else None,
            "floor_p50": None if floor_p50 is None else round(floor_p50, 2),
            "ratio": None if not floor_p50 else round(p50 / floor_p50, 2),
            "statements": max(counts) if counts else None,
            "statements_by_user": counts,
            "in_process_ms": round(statistics.median(inproc.get(label) or [0.0]), 2),
            "bytes": int(statistics.median(sizes)), "tokens": int(statistics.median(sizes) / 4),
            "errors": sum(lv.by_label[label].errors for lv in levels if label in lv.by_label),
            "error_examples": samples.error_examples,
        })  # fmt: skip
    order = [c.label for c in mixes[0].calls]
    calls.sort(key=lambda c: order.index(c["label"]) if c["label"] in order else 99)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "load_avg_at_end": os.getloadavg()},
        "dataset": {"scale": dataset.scale, "build_seconds": dataset.build_seconds,
                    "reused": dataset.reused, "built_at": dataset.built_at},
        "server": {"workers": options.workers, "startup_s": round(startup, 1)},
        "seconds_per_level": options.seconds,
        "calls": calls,
        "levels": [{"clients": lv.clients, "throughput": round(lv.throughput, 1),
                    "calls": lv.calls, "errors": lv.errors, **_summary(lv.all_latencies())}
                   for lv in levels],
        "recall": recalls,
        "memory": {"app_peak_mb": round(server.peak_rss / MB),
                   "postgres_pss_mb": round(server.peak_pg_rss / MB)},
        "profile": None if profile_path is None else str(profile_path),
        "census": wire,
        "peers": peers,
    }  # fmt: skip
    table = markdown(result)
    if peers is not None:
        targets = targets_markdown(result)
        result["targets"] = targets  # the table alone, for a run of several presets
        table = targets + "\n" + table + "\n" + peers["markdown"]
    result["markdown"] = table
    out = options.out_dir / f"{stamp}{options.tag}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    (options.out_dir / f"{stamp}{options.tag}.md").write_text(table)
    log(f"results: {out}")
    return result
