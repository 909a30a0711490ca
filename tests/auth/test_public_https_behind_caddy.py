"""The documented public-https recipe works: ``accountlens serve`` behind Caddy, which
terminates TLS, with the server trusting Caddy's forwarded headers (issue 11, item 8).

Caddy is Debian's package; the Caddyfile is the one in docs/deployment.md, with test-only
global options in front of it: Caddy's local CA instead of a public one (its root is trusted by
this test's client only), loopback only, no admin endpoint, data under the test's tmp folder.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import ssl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from accountlens.db.engine import Database
from tests.auth.helpers import PASSWORD, People
from tests.auth.live import free_port
from tests.auth.real_server import Authorization, authorize_and_exchange, call_tool

CADDY = shutil.which("caddy")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
TEST_GLOBALS = """{
\tadmin off
\tlocal_certs
\tskip_install_trust
\tauto_https disable_redirects
\tdefault_bind 127.0.0.1
}
"""
CLAUDE_AI_CALLBACK = "https://claude.ai/api/mcp/auth_callback"


def documented_caddyfile() -> str:
    match = re.search(r"```caddyfile\n(.*?)```", DOCS.read_text(), re.DOTALL)
    assert match, "docs/deployment.md has no Caddyfile"
    return match.group(1)


async def _until(check: str, proc: subprocess.Popen[bytes], log: Path, **kwargs: object) -> None:
    """Poll ``check`` until it answers 200 (asserted within a bound of tries)."""
    async with httpx.AsyncClient(timeout=5, **kwargs) as http:  # type: ignore[arg-type]
        for _ in range(3000):  # 150 s
            if proc.poll() is not None:
                break
            try:
                if (await http.get(check)).status_code == 200:
                    return
            except (httpx.TransportError, ssl.SSLError):
                pass
            await asyncio.sleep(0.05)
    raise AssertionError(f"{check} never answered: {_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text()[-3000:]


@contextmanager
def started(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("w") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.timeout(240)
async def test_behind_caddy_a_client_completes_oauth_over_https_and_calls_a_tool(
    fresh_db: Database, people: People, tmp_path: Path
) -> None:
    assert CADDY, "Caddy is missing: python3 dev.py test installs it (apt-get install caddy)"
    # given accountlens serve on loopback, trusting Caddy, with the public https URL
    app_port, tls_port = free_port(), free_port()
    public = f"https://localhost:{tls_port}"
    base_env = {k: v for k, v in os.environ.items() if "DATABASE_" not in k}
    server_env = base_env | {
        "DATABASE_URL": fresh_db.engine.url.render_as_string(hide_password=False),
        "ACCOUNTLENS_ENVIRONMENT": "test",
        "ACCOUNTLENS_SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "ACCOUNTLENS_PUBLIC_URL": public,
        "ACCOUNTLENS_TRUSTED_PROXIES": '["127.0.0.1"]',
        "ACCOUNTLENS_HOST": "127.0.0.1",
        "ACCOUNTLENS_PORT": str(app_port),
        "ACCOUNTLENS_LOG_LEVEL": "WARNING",
    }
    # and Caddy in front of it with the documented Caddyfile, its CA under tmp_path
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(TEST_GLOBALS + documented_caddyfile())
    data = tmp_path / "caddy-home"
    caddy_env = base_env | {
        "HOME": str(data),
        "XDG_DATA_HOME": str(data / "data"),
        "XDG_CONFIG_HOME": str(data / "config"),
        "ACCOUNTLENS_SITE": public,
        "ACCOUNTLENS_UPSTREAM": f"127.0.0.1:{app_port}",
    }
    serve = [sys.executable, "-m", "accountlens.cli", "serve", "--workers", "1"]
    caddy = [str(CADDY), "run", "--config", str(caddyfile), "--adapter", "caddyfile"]
    with (
        started(serve, server_env, tmp_path / "serve.log") as server,
        started(caddy, caddy_env, tmp_path / "caddy.log") as proxy,
    ):
        await _until(f"http://127.0.0.1:{app_port}/readyz", server, tmp_path / "serve.log")
        root = data / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        for _ in range(400):  # 20 s
            if root.exists():
                break
            await asyncio.sleep(0.05)
        trust = ssl.create_default_context(cafile=str(root))
        await _until(f"{public}/readyz", proxy, tmp_path / "caddy.log", verify=trust)
        async with httpx.AsyncClient(base_url=public, verify=trust, timeout=30) as http:
            # when a hosted client discovers, registers and goes through the flow over https
            metadata = (await http.get("/.well-known/oauth-authorization-server")).json()
            registered = await http.post(
                "/oauth/register",
                json={
                    "client_name": "Claude",
                    "redirect_uris": [CLAUDE_AI_CALLBACK],
                    "grant_types": ["authorization_code", "refresh_token"],
                    "response_types": ["code"],
                    "token_endpoint_auth_method": "none",
                },
            )
            assert registered.status_code == 201, registered.text
            page = await http.get("/sign-in")
            _, token = await authorize_and_exchange(
                http,
                registered.json()["client_id"],
                Authorization(CLAUDE_AI_CALLBACK, "claudeai"),
                email=people.alice.email,
                password=PASSWORD,
                resource=f"{public}/mcp",
            )
            result = await call_tool(http, token["access_token"], "whoami", {})
    # then everything was addressed as https, and the server knew it was behind TLS
    assert metadata["issuer"] == public
    assert metadata["token_endpoint"] == f"{public}/oauth/token"
    assert page.headers["strict-transport-security"].startswith("max-age=")
    assert any(c.startswith("__Host-") for c in page.headers.get_list("set-cookie"))
    assert result["structuredContent"]["user"]["email"] == people.alice.email
