"""``accountlens serve --tls-cert --tls-key`` terminates TLS itself and sends HSTS."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from accountlens.db.engine import Database
from tests.auth.live import free_port, self_signed


@pytest.mark.timeout(120)
def test_serve_with_a_certificate_answers_https_with_hsts_and_refuses_plain_http(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given a certificate for 127.0.0.1 and an https public URL
    certfile, keyfile, trust = self_signed(tmp_path)
    port = free_port()
    env = {
        **os.environ,
        "ACCOUNTLENS_DATABASE_URL": fresh_db.engine.url.render_as_string(hide_password=False),
        "ACCOUNTLENS_PORT": str(port),
        "ACCOUNTLENS_PUBLIC_URL": f"https://127.0.0.1:{port}",
    }
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "accountlens.cli", "serve",
                "--tls-cert", str(certfile), "--tls-key", str(keyfile),
            ],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            # when a client that trusts only that certificate asks for readiness
            response = None
            deadline = time.monotonic() + 60
            while response is None and time.monotonic() < deadline and proc.poll() is None:
                try:
                    response = httpx.get(f"https://127.0.0.1:{port}/readyz", verify=trust)
                except httpx.TransportError:
                    time.sleep(0.05)
            assert response is not None, log_path.read_text()

            # then it is served over TLS, with HSTS
            assert response.status_code == 200
            assert "max-age=" in response.headers["strict-transport-security"]
            # and plain http on the same port gets no answer
            with pytest.raises(httpx.TransportError):
                httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=3)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
