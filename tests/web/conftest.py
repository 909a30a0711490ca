"""Fixtures for the web tests: the same people and app as the auth tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from fastapi import FastAPI

from accountlens.db.engine import Database
from tests.auth.helpers import People, build_app, client_for, create_people


@pytest_asyncio.fixture(loop_scope="session")
async def people(fresh_db: Database) -> People:
    return await create_people(fresh_db)


@pytest_asyncio.fixture(loop_scope="session")
async def app(fresh_db: Database, people: People) -> FastAPI:
    return build_app(fresh_db, "http://127.0.0.1:8000")


@pytest_asyncio.fixture(loop_scope="session")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        yield http
