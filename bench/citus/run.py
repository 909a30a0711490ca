"""The steps of ``python -m bench.citus``, in order, each reporting what it did."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from accountlens.db.row_security import APP_ROLE
from bench.citus import checks, figures
from bench.citus.build import DEFAULT_TARBALL, ensure_citus
from bench.citus.cluster import Cluster, start_cluster
from bench.load.dataset import ensure_dataset
from bench.load.server import Server, start_server


def free_ports(count: int) -> tuple[int, ...]:
    """Loopback ports nothing listens on now (the OS picks them)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return tuple(int(p.getsockname()[1]) for p in probes)
    finally:
        for probe in probes:
            probe.close()


@dataclass(frozen=True)
class Options:
    work_dir: Path
    tarball: Path = DEFAULT_TARBALL
    node_ports: tuple[int, ...] = field(default_factory=lambda: free_ports(3))
    app_ports: tuple[int, ...] = field(default_factory=lambda: free_ports(2))  # cluster, single
    rounds: int = 3
    #: Shards per distributed table: fewer than Citus's 32 keeps the run short; with 4 the
    #: demo's two orgs still land on different workers.
    shard_count: int = 4


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    outcome: checks.Outcome = field(default_factory=checks.Outcome)

    def say(self, line: str = "") -> None:
        self.lines.append(line)
        print(line, flush=True)


def _accountlens(env: dict[str, str], log: Path, *args: str) -> float:
    """Run an ``accountlens`` command against the cluster; seconds taken."""
    started = time.monotonic()
    with log.open("ab") as out:
        subprocess.run(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "accountlens.cli", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
        )
    return time.monotonic() - started


def cluster_env(cluster: Cluster, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "DATABASE_READ_URL", "DATABASE_OWNER_URL"):
        env.pop(name, None)
        env.pop(f"ACCOUNTLENS_{name}", None)
    env.update(
        ACCOUNTLENS_DATABASE_URL=cluster.coordinator.url(APP_ROLE),
        ACCOUNTLENS_DATABASE_OWNER_URL=cluster.coordinator.url(),
        ACCOUNTLENS_DATA_DIR=str(data_dir),
        ACCOUNTLENS_LOG_LEVEL="WARNING",
    )
    return env


async def prepare_cluster(options: Options, report: Report) -> Cluster:
    """Build (or reuse) Citus, start the nodes, migrate, distribute and load the demo."""
    work = options.work_dir
    build = await asyncio.to_thread(ensure_citus, options.tarball, work / "citus-build.log")
    report.say(
        f"Citus build: cached (built once in {build.seconds:.0f} s, {build.pginstall})"
        if build.cached
        else f"Citus build: {build.seconds:.0f} s ({build.pginstall})"
    )
    started = time.monotonic()
    cluster = await asyncio.to_thread(start_cluster, build, work / "nodes", options.node_ports)
    try:
        roles = cluster.psql(
            cluster.coordinator,
            f"SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}'",  # noqa: S608
        )
        if not roles.strip():
            # Citus creates the role on the workers too; trust auth on loopback needs no password.
            cluster.psql(cluster.coordinator, f"CREATE ROLE {APP_ROLE} LOGIN")
        report.say(f"cluster: coordinator :{cluster.coordinator.port}, workers "
                   + ", ".join(f":{w.port}" for w in cluster.workers)
                   + f" ({time.monotonic() - started:.0f} s)")  # fmt: skip
        env = cluster_env(cluster, work / "cluster-app")
        log = work / "cluster-commands.log"
        seconds = await asyncio.to_thread(_accountlens, env, log, "migrate")
        report.say(f"accountlens migrate on the coordinator: {seconds:.0f} s")
        started = time.monotonic()
        arguments = ("distribute", "--shard-count", str(options.shard_count))
        await asyncio.to_thread(_accountlens, env, log, *arguments)
        report.say(f"accountlens {' '.join(arguments)}: {time.monotonic() - started:.0f} s")
        seconds = await asyncio.to_thread(_accountlens, env, log, "demo", "--scale", "small")
        report.say(f"accountlens demo --scale small on the cluster: {seconds:.0f} s")
    except BaseException:
        cluster.stop()
        raise
    return cluster


async def report_placement(cluster: Cluster, report: Report) -> None:
    placement = await figures.placement(cluster.coordinator.url(driver="postgresql"))
    report.say("shards of the distributed tables per worker:")
    for port, shards, size in placement.shards:
        orgs = ", ".join(slug for slug, _, p in placement.orgs if p == port) or "none"
        report.say(f"  worker :{port}: {shards} shards, {size / 1e6:.1f} MB, "
                   f"{placement.accounts.get(port, 0)} accounts, orgs: {orgs}")  # fmt: skip
    for worker in cluster.workers:
        report.outcome.check(
            f"worker :{worker.port} holds an org's data",
            placement.accounts.get(worker.port, 0) > 0,
        )
    app_dsn = cluster.coordinator.url(APP_ROLE, driver="postgresql")
    for slug, org_id, port in placement.orgs:
        plans = await figures.explain(app_dsn, org_id)
        for label, plan in plans.items():
            report.say(f"EXPLAIN {label}, org {slug} (its shards are on :{port}):")
            for line in plan:
                report.say(f"    {line}")
            if label.startswith("sign-in"):
                # Users are a reference table: one task reads one node's copy, whichever
                # Citus picks (the coordinator's or a worker's), instead of every shard.
                report.outcome.check(
                    f"{label} reads one copy of users",
                    figures.routed_to_one_shard(plan),
                )
                continue
            report.outcome.check(
                f"{label} of {slug} routes to one shard on :{port}",
                figures.routed_to_one_shard(plan) and any(f"port={port}" in x for x in plan),
            )


async def run(options: Options) -> Report:
    report = Report()
    work = options.work_dir
    work.mkdir(parents=True, exist_ok=True)
    single_dir = work / "single"
    # The single node's demo builds meanwhile: it needs nothing from the cluster.
    single = asyncio.create_task(
        asyncio.to_thread(ensure_dataset, single_dir, "small", work / "single-demo.log")
    )
    try:
        cluster = await prepare_cluster(options, report)
    except BaseException:
        await asyncio.gather(single, return_exceptions=True)
        raise
    servers: list[Server] = []
    try:
        await report_placement(cluster, report)
        dataset = await single
        report.say(f"single node: demo small built in {dataset.build_seconds} s"
                   + (" (reused)" if dataset.reused else ""))  # fmt: skip
        secret = secrets.token_urlsafe(32)
        cluster_port, single_port = options.app_ports
        on_cluster, seconds = await start_server(
            work / "cluster-app", cluster_port, work / "serve-cluster.log", secret,
            database_url=cluster.coordinator.url(APP_ROLE), owner_url=cluster.coordinator.url(),
        )  # fmt: skip
        servers.append(on_cluster)
        report.say(
            f"accountlens serve on the coordinator (app role, RLS): ready in {seconds:.0f} s"
        )
        on_single, seconds = await start_server(
            single_dir, single_port, work / "serve-single.log", secret
        )
        servers.append(on_single)
        report.say(f"accountlens serve on the single embedded node: ready in {seconds:.0f} s")
        await _checks(on_cluster, on_single, options, report)
    finally:
        for server in servers:
            server.stop()
        cluster.stop()
    return report


async def _checks(on_cluster: Server, on_single: Server, options: Options, report: Report) -> None:
    cluster = checks.Side("cluster", on_cluster.base_url)
    single = checks.Side("single node", on_single.base_url)
    await checks.mint_all(cluster)
    await checks.mint_all(single)
    outcome = report.outcome
    await checks.matrix(cluster, single, outcome)
    await checks.questions(cluster, single, outcome, options.rounds)
    await checks.revocation(cluster, outcome)
    calls = sum(len(t) for t in cluster.timings.values())
    report.say(f"per-call p50 over {calls} timed calls each (wall clock, loopback; noisy on a "
               f"shared machine): cluster {checks.p50(cluster):.1f} ms, "
               f"single node {checks.p50(single):.1f} ms")  # fmt: skip
    for label in cluster.timings:
        c = sorted(cluster.timings[label])[len(cluster.timings[label]) // 2]
        s = sorted(single.timings[label])[len(single.timings[label]) // 2]
        report.say(f"  {label:<36} cluster {c:7.1f} ms   single {s:7.1f} ms")
