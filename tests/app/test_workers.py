"""``accountlens serve --workers N`` runs N worker processes behind one port."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]  # no stubs in the dev dependencies
import pytest

from accountlens.db.embedded import start_embedded
from accountlens.db.engine import Database
from tests.auth.live import free_port


def _workers(parent: int) -> list[psutil.Process]:
    """uvicorn's worker processes: children started by multiprocessing's spawn."""
    try:
        children = psutil.Process(parent).children()
        return [c for c in children if "spawn_main" in " ".join(c.cmdline())]
    except psutil.Error:
        return []


def _serve_until_ready(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """``serve --workers 2`` with ``env``, once ``/readyz`` answers 200 (asserted)."""
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "accountlens.cli", "serve", "--workers", "2"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"not ready: {log_path.read_text()}")


def _environment(port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "DATABASE_" not in k}
    return (
        env
        | extra
        | {
            "ACCOUNTLENS_PORT": str(port),
            "ACCOUNTLENS_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "ACCOUNTLENS_LOG_LEVEL": "WARNING",
        }
    )


@pytest.mark.timeout(180)
def test_serve_with_two_workers_answers_readiness_from_two_processes_and_stops_cleanly(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given a database URL that only the environment carries
    port = free_port()
    url = fresh_db.engine.url.render_as_string(hide_password=False)
    # when the server starts with two workers
    proc = _serve_until_ready(_environment(port, DATABASE_URL=url), port, tmp_path / "serve.log")
    try:
        # then it is served by two worker processes, the database URL on no command line
        workers = _workers(proc.pid)
        assert len(workers) == 2
        for process in [psutil.Process(proc.pid), *workers]:
            assert url not in " ".join(process.cmdline())
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
    # and an interrupt stops it and its workers cleanly
    assert code == 0, (tmp_path / "serve.log").read_text()
    assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)


@pytest.mark.timeout(240)
def test_with_the_embedded_database_the_parent_starts_it_for_the_workers_and_stops_it_last() -> (
    None
):
    # given no database URL at all: serve starts the embedded PostgreSQL in a fresh data folder
    data_dir = Path(tempfile.mkdtemp(prefix="alwrk-", dir="/tmp"))  # short: a socket lives there
    port = free_port()
    env = _environment(port, ACCOUNTLENS_DATA_DIR=str(data_dir))
    try:
        # when it runs two workers
        proc = _serve_until_ready(env, port, data_dir / "serve.log")
        try:
            # then both workers answer, connected to the one server the parent started
            answers = [httpx.get(f"http://127.0.0.1:{port}/readyz") for _ in range(4)]
            assert {a.status_code for a in answers} == {200}
            assert len(_workers(proc.pid)) == 2
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=90)
        # and after a graceful stop the database server is stopped too
        assert code == 0, (data_dir / "serve.log").read_text()
        assert not (data_dir / "pgdata" / "postmaster.pid").exists()
    finally:
        if (data_dir / "pgdata" / "postmaster.pid").exists():
            start_embedded(data_dir / "pgdata").stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def _on_port(worker: psutil.Process, port: int) -> list[Any]:
    """``worker``'s TCP sockets on ``port``: its listening one and the connections it accepted."""
    return [c for c in worker.net_connections(kind="tcp") if c.laddr and c.laddr.port == port]


def _listening(worker: psutil.Process, port: int) -> bool:
    """Whether ``worker`` accepts on ``port`` yet (a worker listens once its app is built)."""
    return any(c.status == psutil.CONN_LISTEN for c in _on_port(worker, port))


def _established(worker: psutil.Process, port: int) -> int:
    """How many of ``port``'s accepted TCP connections ``worker`` holds."""
    return sum(1 for c in _on_port(worker, port) if c.status == psutil.CONN_ESTABLISHED)


@pytest.mark.timeout(180)
def test_keep_alive_connections_opened_together_are_spread_over_both_workers(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given two workers
    port = free_port()
    url = fresh_db.engine.url.render_as_string(hide_password=False)
    proc = _serve_until_ready(_environment(port, DATABASE_URL=url), port, tmp_path / "serve.log")
    sockets: list[socket.socket] = []
    try:
        # (readiness answers once one worker serves; the other may still be building its app)
        deadline = time.monotonic() + 90
        while not all(_listening(w, port) for w in _workers(proc.pid)):
            assert time.monotonic() < deadline, "a worker never listened"
            time.sleep(0.1)
        # when a client pool opens 16 keep-alive connections at once and uses each
        sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
        for sock in sockets:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        for sock in sockets:
            assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        # then both workers serve some of them: one worker taking all 16 would leave the other
        # idle for as long as the pool lives (a shared listening socket did exactly that)
        held = [_established(worker, port) for worker in _workers(proc.pid)]
        assert sum(held) == 16
        assert min(held) >= 1, held
    finally:
        for sock in sockets:
            sock.close()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
