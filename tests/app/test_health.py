"""Liveness and readiness, in-process and through the real ``accountlens serve`` command."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from accountlens.app import create_app
from accountlens.config import Settings
from accountlens.db.engine import Database, create_engine


async def test_readyz_answers_200_when_the_database_answers(fresh_db: Database) -> None:
    app = create_app(Settings(_env_file=None), database=fresh_db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        app.state.db = fresh_db
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "up"


async def test_readyz_answers_503_when_the_database_is_unreachable() -> None:
    # a database URL whose socket directory does not exist: connecting fails at once
    engine = create_engine("postgresql+asyncpg://postgres@/nowhere?host=/nonexistent-socket-dir")
    db = Database(engine=engine, read_engine=engine)
    app = create_app(Settings(_env_file=None), database=db)
    app.state.db = db
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        started = time.monotonic()
        ready = await client.get("/readyz")
        elapsed = time.monotonic() - started
        live = await client.get("/healthz")
    await engine.dispose()
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "database": "down"}
    assert live.status_code == 200
    assert elapsed < 6  # fails fast: bounded by the 5 s connect timeout, not hanging


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.timeout(120)
def test_serve_starts_the_embedded_database_migrates_and_stops_it_on_exit(tmp_path: Path) -> None:
    # given a data folder nobody has used and no DATABASE_URL
    data_dir = Path(f"/tmp/al-serve-{os.getpid()}")
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")},
        "ACCOUNTLENS_DATA_DIR": str(data_dir),
        "ACCOUNTLENS_PORT": str(port),
        "ACCOUNTLENS_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "accountlens.cli", "serve"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # when the server comes up, then /readyz answers 200
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code
                if status == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        assert status == 200, (tmp_path / "serve.log").read_text()
        assert (data_dir / "pgdata" / "PG_VERSION").exists()
        assert (data_dir / "pgdata" / "postmaster.pid").exists()
    finally:
        # and on Ctrl+C the server exits and stops the embedded database with it
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=60)
        log.close()
    try:
        assert code == 0, (tmp_path / "serve.log").read_text()
        assert not (data_dir / "pgdata" / "postmaster.pid").exists()
    finally:
        subprocess.run(["rm", "-rf", str(data_dir)], check=False)
