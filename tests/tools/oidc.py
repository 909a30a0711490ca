"""A real OpenID provider for the SSO tests, and a browser-ish walk through its pages.

:func:`running_provider` starts ``tests/tools/oidc_provider.mjs`` (the npm ``oidc-provider``
package, installed by :mod:`tests.tools.npm`) on a free loopback port. :func:`sign_in_at_provider`
follows redirects by hand from the provider's authorization URL, posting its login and consent
forms, until the provider sends the browser back to us; it returns that callback URL unvisited.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from tests.tools.npm import OIDC_PROVIDER, ensure_packages, node_binary

SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
CLIENT_SECRET = "test-provider-client-secret-0123456789"
FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"', re.IGNORECASE)
PROMPT = re.compile(r'name="prompt" value="(login|consent)"')
MAX_STEPS = 12
START_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def running_provider(redirect_uri: str) -> AsyncIterator[str]:
    """The issuer URL of a provider that knows our clients (see the script's header)."""
    folder = await asyncio.to_thread(ensure_packages, OIDC_PROVIDER)
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        node_binary(folder),
        str(SCRIPT),
        str(folder),
        str(port),
        redirect_uri,
        CLIENT_SECRET,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=START_SECONDS)
        assert line.strip() == b"ready", "the OpenID provider did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        await proc.wait()


async def sign_in_at_provider(browser: httpx.AsyncClient, url: str, login: str) -> str:
    """Walk the provider's pages as ``login`` from ``url``; the callback URL it sends us to."""
    for _ in range(MAX_STEPS):
        response = await browser.get(url)
        if response.is_redirect:
            target = str(response.next_request.url) if response.next_request else ""
            if "/sign-in/sso/callback" in target:
                return target
            url = target
            continue
        assert response.status_code == 200, response.text[:500]
        prompt, action = PROMPT.search(response.text), FORM.search(response.text)
        assert prompt, f"not a login or consent page: {response.text[:500]}"
        assert action, f"a page without its form: {response.text[:500]}"
        form = {"prompt": prompt.group(1)}
        if prompt.group(1) == "login":
            form |= {"login": login, "password": "any password"}
        posted = await browser.post(httpx.URL(url).join(html.unescape(action.group(1))), data=form)
        assert posted.is_redirect, posted.text[:500]
        url = str(posted.next_request.url) if posted.next_request else ""
    raise AssertionError("the provider never sent the browser back")
