"""The peers step's machinery: CPU from /proc, timed cells, the closed loop, the peer processes."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import psutil  # type: ignore[import-untyped]  # no stubs in the dev dependencies

from accountlens.config import Settings
from accountlens.db.embedded import start_embedded
from accountlens.db.engine import EMBEDDED_DATABASE
from bench.load import driver
from bench.load.workload import UserMix
from bench.peers.sql import Caller

#: The cheap calls the targets judge (labels of bench.load.workload's mix).
CHEAP = ("list accounts", "get 25 tickets", "product_usage 90d weekly", "Q1 account_timeline 30d")
#: Keyword search, timed after the cheap calls (its own target: app CPU, ratio to its floor).
SEARCH = ("search (typo)", "search (word)")
#: Semantic search, timed for AccountLens alone (its target is absolute: p50 ≤ 40 ms).
SEMANTIC = ("semantic_search",)
#: What peer 2 answers, each with AccountLens's own answer: every call of the step.
PEER2_CALLS = CHEAP + SEARCH
SYSTEMS = ("floor", "peer2", "peer3", "accountlens")
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def cpu_ms(pids: list[int]) -> float:
    """User + system CPU of these processes so far (ms), from /proc/<pid>/stat."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total * TICK_MS


def app_pids(root: int) -> list[int]:
    """The server process and its workers, PostgreSQL excluded."""
    proc = psutil.Process(root)
    return [root] + [c.pid for c in proc.children(recursive=True) if "postgres" not in c.name()]


def postgres_pids(pgdata: Path) -> list[int]:
    pids = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        if proc.info["name"] == "postgres" and str(pgdata) in " ".join(proc.info["cmdline"] or []):
            pids += [proc.pid] + [c.pid for c in proc.children(recursive=True)]
    return sorted(set(pids))


@dataclass
class Cell:
    """One system × user class × call: latencies and CPU over its timed slices."""

    latencies: list[float] = field(default_factory=list)
    app_ms: float = 0.0
    pg_ms: float = 0.0
    calls: int = 0
    errors: int = 0

    def row(self) -> dict[str, Any]:
        n = max(self.calls, 1)
        return {
            "p50": round(driver.median(self.latencies), 2),
            "p95": round(driver.percentile(self.latencies, 95), 2),
            "p99": round(driver.percentile(self.latencies, 99), 2),
            "app_cpu_ms": round(self.app_ms / n, 2), "pg_cpu_ms": round(self.pg_ms / n, 2),
            "calls": self.calls, "errors": self.errors,
        }  # fmt: skip


Work = Callable[[], Awaitable[bool]]


async def closed_loop(work: list[Work], clients: int, seconds: float) -> tuple[list[float], int]:
    """``clients`` loops over ``work`` for ``seconds``; latencies (ms) and errors."""
    latencies: list[float] = []
    errors = 0
    stop_at = time.monotonic() + seconds

    async def client(offset: int) -> None:
        nonlocal errors
        i = offset
        while time.monotonic() < stop_at:
            sent = time.perf_counter()
            ok = await work[i % len(work)]()
            latencies.append((time.perf_counter() - sent) * 1000)
            errors += not ok
            i += 1

    await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies, errors


def caller_of(mix: UserMix) -> Caller:
    f = mix.facts
    return Caller(f["org_id"], f["user_id"], bool(f["sees_all"]),
                  frozenset(f.get("hidden_account_fields", ())), f["timezone"], f["admin"],
                  frozenset((t, n) for t, n in f["hidden_fields"]))  # fmt: skip


def _strip(answer: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if answer is None else {k: v for k, v in answer.items() if k != "as_of"}


@dataclass
class Peers:
    """The peer processes and what the harness needs to drive each system."""

    urls: dict[str, str]
    processes: dict[str, list[subprocess.Popen[bytes]]]
    pool: asyncpg.Pool

    @property
    def app_roots(self) -> dict[str, list[int]]:
        """Each peer's worker processes (their CPU is the peer's app CPU)."""
        return {name: [p.pid for p in group] for name, group in self.processes.items()}

    def stop(self) -> None:
        _stop(self.processes)


def _stop(processes: dict[str, list[subprocess.Popen[bytes]]]) -> None:
    for process in (p for group in processes.values() for p in group):
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _listening(pid: int, port: int) -> bool:
    try:
        connections = psutil.Process(pid).net_connections(kind="tcp")
    except psutil.Error:
        return False
    return any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in connections)


async def _wait_listening(name: str, group: list[subprocess.Popen[bytes]], port: int,
                          log: Path) -> None:  # fmt: skip
    """Until every worker of ``name`` listens: before that, the kernel sends it no connection."""
    for _ in range(480):
        if any(p.poll() is not None for p in group):
            raise RuntimeError(f"{name} exited; see {log}")
        if all(_listening(p.pid, port) for p in group):
            return
        await asyncio.sleep(0.25)
    raise RuntimeError(f"{name} did not start in 120 s; see {log}")


async def start_peers(
    data_dir: Path, base_url: str, secret_key: str, mixes: list[UserMix], port: int, out: Path,
    workers: int = 1,
) -> Peers:  # fmt: skip
    """Write the peers' config, start ``workers`` processes of each, wait until all listen."""
    pg = start_embedded(data_dir / "pgdata")
    sqlalchemy_url = pg.url(EMBEDDED_DATABASE)
    settings = Settings(_env_file=None)
    config = {
        "sqlalchemy_url": sqlalchemy_url,
        "asyncpg_dsn": sqlalchemy_url.replace("postgresql+asyncpg", "postgresql"),
        "public_url": base_url, "secret_key": secret_key,
        "token_budget": settings.token_budget, "list_total_cap": settings.list_total_cap,
        "search_candidate_cap": settings.search_candidate_cap,
        "facts": {m.token: {"org_id": str(m.facts["org_id"]), "user_id": str(m.facts["user_id"]),
                            "sees_all": m.facts["sees_all"],
                            "hidden": m.facts.get("hidden_account_fields", []),
                            "timezone": m.facts["timezone"], "admin": m.facts["admin"],
                            "concealed": m.facts["hidden_fields"]} for m in mixes},
    }  # fmt: skip
    config_path = out / "peers-config.json"
    config_path.write_text(json.dumps(config))
    config_path.chmod(0o600)  # carries the run's secret key and tokens; deleted at the end
    urls: dict[str, str] = {}
    processes: dict[str, list[subprocess.Popen[bytes]]] = {}
    try:
        for offset, (name, mode) in enumerate((("peer2", "sql"), ("peer3", "graphql")), start=1):
            log = (out / f"{name}.log").open("wb")
            command = [sys.executable, "-m", "bench.peers", "serve", mode, str(port + offset),
                       str(config_path)]  # fmt: skip
            # Blocking Popen is fine: started once, before anything is timed.
            processes[name] = [
                subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603, ASYNC220
                for _ in range(workers)
            ]
            urls[name] = f"http://127.0.0.1:{port + offset}"
        for offset, name in enumerate(processes, start=1):
            await _wait_listening(name, processes[name], port + offset, out / f"{name}.log")
    except BaseException:
        _stop(processes)
        raise
    finally:
        config_path.unlink()
    pool = await asyncpg.create_pool(str(config["asyncpg_dsn"]), min_size=1, max_size=16)
    return Peers(urls, processes, pool)
