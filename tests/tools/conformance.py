"""Run the official MCP conformance suite against AccountLens and print a summary.

    .venv/bin/python -m tests.tools.conformance [--spec-version V ...] [--keep DIR]

What it does, all on loopback:

1. installs ``@modelcontextprotocol/conformance`` (newest) and Node 22 with npm into the
   gitignored cache (``tests/tools/npm.py``);
2. starts ``accountlens serve`` on a fresh embedded database in a temporary folder, with one org
   and one admin made by the ``accountlens orgs add`` / ``users add`` commands;
3. connects the way an MCP client does (registration, sign-in, consent, PKCE, token);
4. starts a small proxy that adds that bearer token to every request (the suite cannot do
   OAuth against a server) and passes everything else through unchanged, foreign ``Host`` and
   ``Origin`` headers included (the DNS-rebinding scenario depends on them);
5. runs ``conformance server`` for each spec version and prints each scenario's checks.

Exit code 0 when every failure is one listed in :data:`EXPECTED_FAILURES` (the reasons are in
docs/security.md), 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.auth.live import free_port, serve
from tests.auth.real_server import Authorization, authorize_and_exchange
from tests.tools.npm import CONFORMANCE, NODE_22, ensure_packages, installed_version, node_binary

#: The suite (0.1.16) knows 2025-03-26, 2025-06-18, 2025-11-25, draft and extension; its client
#: speaks 2025-11-25 at most, so 2026-07-28 cannot be run yet (docs/security.md).
VERSIONS = ("2025-06-18", "2025-11-25", "draft")
FIXTURE = "the suite's own fixture (a tool, prompt or resource of its reference server)"
NOT_OFFERED = "a capability a read-only data server does not offer"
EMAIL = "conformance@example.test"
PASSWORD = "conformance-pass-1234"
REDIRECT = "http://127.0.0.1:33600/callback"

#: scenario -> why it fails against a read-only server (kept in step with docs/security.md).
EXPECTED_FAILURES: dict[str, str] = {
    "tools-call-simple-text": FIXTURE,
    "tools-call-image": FIXTURE,
    "tools-call-audio": FIXTURE,
    "tools-call-embedded-resource": FIXTURE,
    "tools-call-mixed-content": FIXTURE,
    "tools-call-error": FIXTURE,
    "tools-call-with-progress": FIXTURE,
    "tools-call-with-logging": NOT_OFFERED + " (logging/setLevel)",
    "tools-call-sampling": NOT_OFFERED + " (sampling: our tools never ask the client's model)",
    "tools-call-elicitation": NOT_OFFERED + " (elicitation: our tools never ask the user)",
    "elicitation-sep1034-defaults": NOT_OFFERED + " (elicitation)",
    "elicitation-sep1330-enums": NOT_OFFERED + " (elicitation)",
    "logging-set-level": NOT_OFFERED + " (logging/setLevel)",
    "completion-complete": NOT_OFFERED + " (completion/complete)",
    "resources-read-text": FIXTURE,
    "resources-read-binary": FIXTURE,
    "resources-templates-read": FIXTURE,
    "resources-subscribe": NOT_OFFERED + " (resources/subscribe)",
    "resources-unsubscribe": NOT_OFFERED + " (resources/unsubscribe)",
    # We advertise neither prompts nor resources (every question is a tool call), so listing
    # them is "method not found" rather than an empty list (docs/security.md).
    "prompts-list": NOT_OFFERED + " (prompts: none are advertised)",
    "resources-list": NOT_OFFERED + " (resources: none are advertised)",
    "prompts-get-simple": FIXTURE,
    "prompts-get-with-args": FIXTURE,
    "prompts-get-embedded-resource": FIXTURE,
    "prompts-get-with-image": FIXTURE,
}


def accountlens(*args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "accountlens.cli", *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=300,
    )


@contextmanager
def running_accountlens(data: Path, port: int) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if "DATABASE_" not in k} | {
        "ACCOUNTLENS_DATA_DIR": str(data),
        "ACCOUNTLENS_PORT": str(port),
        "ACCOUNTLENS_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "ACCOUNTLENS_LOG_LEVEL": "WARNING",
    }
    # Operator commands never create a database by accident; `migrate` makes this one.
    accountlens("migrate", env=env)
    accountlens("orgs", "add", "conformance", "--name", "Conformance", env=env)
    accountlens("users", "add", EMAIL, "--org", "conformance", "--role", "admin",
                "--password", PASSWORD, env=env)  # fmt: skip
    log = (data / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "accountlens.cli", "serve", "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(3000):  # 150 s
            if proc.poll() is not None:
                raise RuntimeError((data / "serve.log").read_text()[-3000:])
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        yield env
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()


async def connect(base_url: str) -> str:
    """A token for the admin, obtained as an MCP client would."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        registered = await http.post(
            "/oauth/register",
            json={"client_name": "MCP conformance suite", "redirect_uris": [REDIRECT]},
        )
        registered.raise_for_status()
        _, token = await authorize_and_exchange(
            http,
            registered.json()["client_id"],
            Authorization(REDIRECT, "read"),
            email=EMAIL,
            password=PASSWORD,
            resource=f"{base_url}/mcp",
        )
    return str(token["access_token"])


def bearer_proxy(upstream: str, proxy_host: str, token: str) -> Starlette:
    """Forwards every request to ``upstream`` with the bearer token added, nothing else changed.

    The suite's own ``Host`` (the proxy's) is replaced by the upstream's; any other ``Host`` and
    every ``Origin`` are passed on as sent, so the DNS-rebinding checks still reach the server.
    """
    client = httpx.AsyncClient(base_url=upstream, timeout=120)
    upstream_host = httpx.URL(upstream).netloc.decode()

    async def forward(request: Request) -> Response:
        headers = {k: v for k, v in request.headers.items() if k not in ("content-length",)}
        if headers.get("host") == proxy_host:
            headers["host"] = upstream_host
            # The suite's own origin is the proxy's; the server knows only its public URL.
            if headers.get("origin") == f"http://{proxy_host}":
                headers["origin"] = upstream
        headers["authorization"] = f"Bearer {token}"
        sent = client.build_request(
            request.method,
            request.url.path,
            params=request.query_params,
            headers=headers,
            content=await request.body(),
        )
        answer = await client.send(sent)
        kept = {
            k: v
            for k, v in answer.headers.items()
            if k not in ("content-length", "transfer-encoding", "content-encoding")
        }
        return Response(answer.content, status_code=answer.status_code, headers=kept)

    methods = ["GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD"]
    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)])


def run_suite(folder: Path, url: str, version: str, out: Path) -> list[dict[str, Any]]:
    suite = folder / "node_modules" / "@modelcontextprotocol" / "conformance" / "dist" / "index.js"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [node_binary(folder), str(suite), "server", "--url", url, "--spec-version", version,
         "-o", str(out)],
        stdout=(out / "suite.log").open("w"), stderr=subprocess.STDOUT, timeout=900,
    )  # fmt: skip
    scenarios = []
    for checks in sorted(out.rglob("checks.json")):
        # Folders are named server-<scenario>-<timestamp>.
        scenario = re.sub(r"^server-|-\d{4}-\d{2}-\d{2}T[\d-]+Z$", "", checks.parent.name)
        scenarios.append({"scenario": scenario, "checks": json.loads(checks.read_text())})
    return scenarios


def summarize(version: str, scenarios: list[dict[str, Any]]) -> tuple[int, list[str]]:
    passed, failed = 0, []
    print(f"\n== spec version {version}: {len(scenarios)} scenarios")
    for item in scenarios:
        bad = [c for c in item["checks"] if c.get("status") == "FAILURE"]
        mark = "FAIL" if bad else "ok"
        reason = (
            f"  (expected: {EXPECTED_FAILURES[item['scenario']]})"
            if bad and item["scenario"] in EXPECTED_FAILURES
            else ""
        )
        print(f"  {mark:4} {item['scenario']}{reason}")
        for check in bad:
            print(f"         - {check.get('id')}: {check.get('errorMessage', '')[:200]}")
        if bad:
            failed.append(item["scenario"])
        else:
            passed += 1
    return passed, failed


async def main(versions: list[str], keep: Path | None) -> int:
    folder = await asyncio.to_thread(ensure_packages, CONFORMANCE, NODE_22)
    print(f"conformance suite {installed_version(folder, '@modelcontextprotocol/conformance')}")
    work = Path(keep or tempfile.mkdtemp(prefix="accountlens-conformance-"))
    app_port, proxy_port = free_port(), free_port()
    base_url = f"http://127.0.0.1:{app_port}"
    unexpected: list[str] = []
    with running_accountlens(work / "data", app_port):
        token = await connect(base_url)
        proxy = bearer_proxy(base_url, f"localhost:{proxy_port}", token)
        async with serve(proxy, proxy_port):
            for version in versions:
                url = f"http://localhost:{proxy_port}/mcp"
                scenarios = await asyncio.to_thread(
                    run_suite, folder, url, version, work / "results" / version
                )
                _, failed = summarize(version, scenarios)
                unexpected += [f"{version}:{s}" for s in failed if s not in EXPECTED_FAILURES]
    if keep is None:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nunexpected failures: {unexpected or 'none'}")
    return 1 if unexpected else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec-version", action="append", dest="versions")
    parser.add_argument("--keep", type=Path, help="keep the server data and the suite's results")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.versions or list(VERSIONS), args.keep)))
