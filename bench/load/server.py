"""The real server under test: ``accountlens serve`` in its own process, production settings.

``accountlens serve --workers N`` runs N uvicorn worker processes (the benchmark asks for one
per core; other harnesses keep one). Memory is sampled with psutil over the server process and
its children (the workers) except PostgreSQL, which is reported on its own.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil  # type: ignore[import-untyped]  # no stubs in the dev dependencies

READY_TIMEOUT_S = 900  # the first start on a fresh build runs migrations (index builds)


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    peak_rss: int = 0
    peak_pg_rss: int = 0
    _sampler: asyncio.Task[None] | None = field(default=None, repr=False)

    def sample_memory(self) -> None:
        """Record the app's resident memory (its process and non-PostgreSQL children)."""
        try:
            app = psutil.Process(self.process.pid)
            rss = app.memory_info().rss
            for child in app.children(recursive=True):
                if "postgres" not in child.name():
                    rss += child.memory_info().rss
        except psutil.Error:
            return
        self.peak_rss = max(self.peak_rss, rss)

    def sample_postgres(self, pgdata: Path) -> None:
        """PostgreSQL's proportional memory (PSS: shared buffers counted once), all backends."""
        total = 0
        for proc in psutil.process_iter(["name", "cmdline"]):
            cmd = proc.info["cmdline"] or []
            if proc.info["name"] == "postgres" and str(pgdata) in " ".join(cmd):
                try:
                    tree = [proc, *proc.children(recursive=True)]
                    total += sum(p.memory_full_info().pss for p in tree)
                except psutil.Error:
                    continue
        self.peak_pg_rss = max(self.peak_pg_rss, total)

    def start_sampling(self, every_s: float = 0.5) -> None:
        async def loop() -> None:
            while True:
                self.sample_memory()
                await asyncio.sleep(every_s)

        self._sampler = asyncio.create_task(loop())

    def stop(self) -> None:
        if self._sampler is not None:
            self._sampler.cancel()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()


def server_environment(
    data_dir: Path,
    port: int,
    secret_key: str,
    *,
    database_url: str | None = None,
    owner_url: str | None = None,
    public_url: str | None = None,
) -> dict[str, str]:
    """Production settings on loopback, with limits that do not throttle the benchmark.

    With ``database_url`` (the app role) and ``owner_url`` (the schema owner) the server uses
    that database instead of starting the embedded one in ``data_dir``; replicas behind one
    address share a ``public_url`` (tokens are bound to it).
    """
    env = dict(os.environ)
    for name in ("DATABASE_URL", "DATABASE_READ_URL", "DATABASE_OWNER_URL"):
        env.pop(name, None)
        env.pop(f"ACCOUNTLENS_{name}", None)
    if database_url is not None:
        env["ACCOUNTLENS_DATABASE_URL"] = database_url
    if owner_url is not None:
        env["ACCOUNTLENS_DATABASE_OWNER_URL"] = owner_url
    env.update(
        ACCOUNTLENS_DATA_DIR=str(data_dir),
        ACCOUNTLENS_ENVIRONMENT="production",
        ACCOUNTLENS_SECRET_KEY=secret_key,
        ACCOUNTLENS_HOST="127.0.0.1",
        ACCOUNTLENS_PORT=str(port),
        ACCOUNTLENS_PUBLIC_URL=public_url or f"http://127.0.0.1:{port}",
        ACCOUNTLENS_LOG_LEVEL="WARNING",
        ACCOUNTLENS_MCP_RATE_LIMIT_PER_MINUTE="100000",
        # Load runs register and sign in from one address far more than any office would.
        ACCOUNTLENS_REGISTRATION_LIMIT_PER_ADDRESS="100000",
        ACCOUNTLENS_REGISTRATION_LIMIT_GLOBAL="100000",
        ACCOUNTLENS_SIGN_IN_FAILURE_LIMIT_PER_ADDRESS="100000",
        ACCOUNTLENS_DB_POOL_SIZE="20",
        ACCOUNTLENS_WORKERS="1",  # one uvicorn worker per process: what the harness reports
    )
    return env


async def start_server(
    data_dir: Path,
    port: int,
    log_path: Path,
    secret_key: str,
    *,
    database_url: str | None = None,
    owner_url: str | None = None,
    public_url: str | None = None,
    workers: int = 1,
) -> tuple[Server, float]:
    """Start the server and wait until ``/readyz`` answers; returns it and the seconds taken."""
    started = time.monotonic()
    log = log_path.open("wb")
    command = [sys.executable, "-m", "accountlens.cli", "serve", "--workers", str(workers)]
    # Blocking Popen is fine here: it runs once, before anything is timed.
    process = subprocess.Popen(  # noqa: S603, ASYNC220 - our own CLI, started before timing
        command,
        env=server_environment(
            data_dir,
            port,
            secret_key,
            database_url=database_url,
            owner_url=owner_url,
            public_url=public_url,
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()  # the server writes through its own copy of the descriptor
    server = Server(process, f"http://127.0.0.1:{port}", log_path)
    async with httpx.AsyncClient(base_url=server.base_url, timeout=5) as http:
        while time.monotonic() - started < READY_TIMEOUT_S:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited; see {log_path}")
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return server, time.monotonic() - started
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
    server.stop()
    raise RuntimeError(f"the server was not ready within {READY_TIMEOUT_S} s; see {log_path}")
