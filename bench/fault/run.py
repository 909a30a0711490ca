"""One fault run, start to finish: data, two app processes, phases A, B and C, the checks.

What it is for and the phases: the ``bench.fault`` package docstring.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from accountlens.auth.options import AuthOptions
from accountlens.auth.tokens import ACCESS_TOKEN_PREFIX, parse
from bench.fault.checks import Check, audit_figures, last_used_figures, load_figures, windows
from bench.fault.clients import Connection, Event, Target, drive, warm_up
from bench.fault.outage import Outage, Postgres, run_outage
from bench.fault.outagecheck import outage_figures
from bench.fault.report import table
from bench.fault.revocation import VICTIM_CLIENT, revoke_across_processes
from bench.load.connect import mint_tokens, register_client
from bench.load.dataset import ensure_dataset
from bench.load.server import Server, start_server
from bench.load.workload import USERS, UserMix, build_mix


@dataclass(frozen=True)
class Options:
    scale: str
    clients: int
    seconds: float
    outage: float
    lead: float
    tail: float
    recovery_timeout: float
    retry_pause: float
    per_user: int
    ports: tuple[int, int]
    data_dir: Path | None
    out_dir: Path
    events_file: Path | None = None


def connection_id(token: str) -> uuid.UUID:
    """The connection row a token belongs to (its routing id; no database needed)."""
    parsed = parse(ACCESS_TOKEN_PREFIX, token)
    if parsed is None:
        raise ValueError("not an AccountLens access token")
    return parsed.row_id


async def _connections(base_url: str, client_id: str, per_user: int) -> list[Connection]:
    """``per_user`` connections for each user class; the mix is discovered with the first."""
    connections: list[Connection] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        for user_class, (email, role) in USERS.items():
            tokens = await mint_tokens(base_url, client_id, email, role, per_user)
            mix = await build_mix(http, UserMix(user_class, email, role, tokens[0]))
            for token in tokens:
                same = UserMix(user_class, email, role, token, mix.calls, mix.facts)
                connections.append(Connection(len(connections), same))
    return connections


async def _audit_counts(pg: Postgres, ids: dict[int, uuid.UUID]) -> dict[int, int]:
    """``ok`` audit rows per connection number."""
    by_id = {v: k for k, v in ids.items()}
    conn = await pg.connect()
    try:
        rows = await conn.fetch(
            "SELECT connection_id, count(*) AS n FROM mcp_tool_calls "
            "WHERE outcome = 'ok' AND connection_id = ANY($1::uuid[]) GROUP BY connection_id",
            list(ids.values()),
        )
    finally:
        await conn.close()
    return {by_id[r["connection_id"]]: int(r["n"]) for r in rows}


async def _last_used(pg: Postgres, ids: dict[int, uuid.UUID]) -> dict[int, datetime | None]:
    by_id = {v: k for k, v in ids.items()}
    conn = await pg.connect()
    try:
        rows = await conn.fetch(
            "SELECT id, last_used_at FROM connections WHERE id = ANY($1::uuid[])",
            list(ids.values()),
        )
    finally:
        await conn.close()
    return {by_id[r["id"]]: r["last_used_at"] for r in rows}


async def run(options: Options, log: Any = print) -> dict[str, Any]:
    """Everything, in order; the result document (``checks`` says what passed)."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M")
    load_at_start = os.getloadavg()
    options.out_dir.mkdir(parents=True, exist_ok=True)
    temporary = options.data_dir is None
    data_dir = options.data_dir or Path(tempfile.mkdtemp(prefix="alfault-", dir="/tmp"))
    servers: list[Server] = []
    pg: Postgres | None = None
    try:
        dataset = ensure_dataset(data_dir, options.scale, options.out_dir / "fault-build.log")
        how = "reused" if dataset.reused else f"built in {dataset.build_seconds} s"
        log(f"data: preset {options.scale} in {data_dir} ({how})")
        pg = Postgres(data_dir / "pgdata")
        secret_key = secrets.token_urlsafe(48)
        public_url = f"http://127.0.0.1:{options.ports[0]}"
        for number, port in enumerate(options.ports):
            server, took = await start_server(
                data_dir, port, options.out_dir / f"fault-server-{number + 1}.log", secret_key,
                database_url=pg.app_url(), owner_url=pg.url(), public_url=public_url,
            )  # fmt: skip
            servers.append(server)
            log(f"process {number + 1}: ready in {took:.1f} s at {server.base_url} "
                f"(pid {server.process.pid})")  # fmt: skip
        pids = [s.process.pid for s in servers]
        host = urlsplit(public_url).netloc
        targets = [Target(n, s.base_url, host) for n, s in enumerate(servers)]

        load_client = await register_client(public_url)
        victim_client = await register_client(public_url, VICTIM_CLIENT)
        connections = await _connections(public_url, load_client, options.per_user)
        ids = {c.number: connection_id(c.token) for c in connections}
        log(f"connections: {len(connections)} minted through OAuth, "
            f"{len(connections[0].calls)} calls in each mix")  # fmt: skip
        await warm_up(targets, connections[0])
        baseline = await _audit_counts(pg, ids)

        events_a: list[Event] = []
        deadline = time.monotonic() + options.seconds
        started = time.monotonic()
        await drive(
            "A", targets, connections, options.clients,
            lambda: time.monotonic() >= deadline, events_a, options.retry_pause,
        )  # fmt: skip
        phase_a = load_figures(events_a, time.monotonic() - started)
        log(f"A: {phase_a['requests']} calls, {phase_a['errors']} errors, "
            f"p99 {phase_a['latency_ms']['p99']} ms, {phase_a['calls_per_s']} calls/s")  # fmt: skip

        events_b: list[Event] = []
        outage = await run_outage(
            pg, targets, connections, options.clients, events_b,
            lead=options.lead, seconds=options.outage, tail=options.tail,
            recovery_timeout=options.recovery_timeout, retry_pause=options.retry_pause,
        )  # fmt: skip
        spans = windows(events_b, outage, [t.number for t in targets])
        phase_b, outage_checks = outage_figures(events_b, outage, spans)
        log(f"B: {len(events_b)} calls, recovery {phase_b['recovery_s']}")
        alive = [s.process.poll() is None for s in servers]

        revocations = await revoke_across_processes(targets[0], targets[1], victim_client)
        log("C: " + ", ".join(f"{r.how}: {r.before} → {r.after}" for r in revocations))
        if options.events_file is not None:
            _write_events(options.events_file, events_a + events_b, outage)

        exits = []
        for server in servers:
            server.stop()
            exits.append(server.process.returncode)
        audited_now = await _audit_counts(pg, ids)
        audited = {n: audited_now.get(n, 0) - baseline.get(n, 0) for n in ids}
        audit, audit_check = audit_figures(events_a + events_b, spans, audited)
        last_used, last_used_check = last_used_figures(
            events_a + events_b, await _last_used(pg, ids), _last_used_resolution()
        )
    finally:
        for server in servers:
            server.stop()
        if pg is not None:
            pg.stop()
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)

    checks = [
        Check("A: every call under load succeeds", phase_a["errors"] == 0,
                         f"{phase_a['errors']} errors in {phase_a['requests']} calls"),
        *outage_checks,
        Check("B: no app process restarted or died", all(alive),
                         f"pids {pids} still running: {alive}"),
        audit_check,
        last_used_check,
        *(Check(f"C: revoked via {r.how} on process 1, refused by process 2",
                           r.passed, f"{r.before} before, {r.after} right after "
                           f"({r.refused_within_ms:.0f} ms later)") for r in revocations),
        Check("graceful stop: both processes exit 0 on SIGINT",
                         exits == [0] * len(exits), f"exit codes {exits}"),
    ]  # fmt: skip
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "load_avg_at_start": load_at_start,
                    "load_avg_at_end": os.getloadavg()},
        "options": {"scale": options.scale, "clients": options.clients,
                    "seconds": options.seconds, "outage_s": options.outage,
                    "lead_s": options.lead, "tail_s": options.tail,
                    "retry_pause_s": options.retry_pause, "connections": len(ids),
                    "processes": len(options.ports), "workers_per_process": 1},
        "phase_a": phase_a,
        "phase_b": phase_b,
        "phase_c": [r.as_json() for r in revocations],
        "audit": audit,
        "last_used": last_used,
        "checks": [{"name": c.name, "passed": c.passed, "figure": c.figure} for c in checks],
        "passed": all(c.passed for c in checks),
    }  # fmt: skip
    result["table"] = table(result)
    out = options.out_dir / f"{stamp}-fault.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    log(f"results: {out}")
    return result


def _write_events(path: Path, events: list[Event], outage: Outage) -> None:
    """Every call, then every probe, one JSON object per line (for a closer look)."""
    with path.open("w") as lines:
        for event in events:
            lines.write(json.dumps(event.as_json()) + "\n")
        for probe in outage.probes:
            lines.write(json.dumps({"probe": asdict(probe)}) + "\n")


def _last_used_resolution() -> float:
    """How stale ``last_used_at`` may be by design (updated at most once per this)."""
    options = AuthOptions(public_url="http://127.0.0.1", secret_key=b"-")
    return options.last_used_resolution.total_seconds()
