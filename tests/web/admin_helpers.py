"""Helpers for the admin-page tests: signed-in browsers, forms posted with their CSRF token."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from tests.auth.helpers import client_for, csrf_of, sign_in

BROWSER = {"Accept": "text/html"}
LINK = re.compile(r'<code class="url" id="account-link">([^<]+)</code>')


@asynccontextmanager
async def browser_as(app: FastAPI, email: str) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        assert (await sign_in(http, email)).status_code == 303
        yield http


async def post_form(
    http: httpx.AsyncClient, path: str, data: dict[str, str], *, page: str = "/"
) -> httpx.Response:
    """Post ``data`` to ``path`` with the CSRF token of ``page`` (as the browser would)."""
    token = csrf_of((await http.get(page)).text)
    return await http.post(path, data={**data, "csrf_token": token}, headers=BROWSER)


def link_on(html: str) -> str:
    """The invite or reset link shown to the admin, as a path."""
    match = LINK.search(html)
    assert match, "no link on the page"
    return match.group(1).replace("http://127.0.0.1:8000", "").replace("&amp;", "&")
