"""Tokens and codes never appear in plaintext: not in any database column, not in the logs."""

from __future__ import annotations

import logging

import httpx
import pytest
from sqlalchemy import text

from accountlens.db.engine import Database
from tests.auth.helpers import People, exchange, get_code, pkce, register, sign_in


async def all_stored_text(db: Database) -> str:
    """Every text, json and bytea value of every table, concatenated."""
    async with db.engine.connect() as conn:
        columns = (
            await conn.execute(
                text(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND data_type IN "
                    "('text', 'character varying', 'jsonb', 'json', 'bytea', 'ARRAY')"
                )
            )
        ).all()
        chunks: list[str] = []
        for table, column, kind in columns:
            expression = (
                f"encode(\"{column}\", 'escape')" if kind == "bytea" else f'"{column}"::text'
            )
            values = await conn.scalars(text(f'SELECT {expression} FROM "{table}"'))
            chunks.extend(v for v in values if v)
    return "\n".join(chunks)


async def test_no_token_or_code_is_stored_in_plaintext_or_logged(
    client: httpx.AsyncClient,
    people: People,
    fresh_db: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a full flow, with every logger at DEBUG
    caplog.set_level(logging.DEBUG)
    await sign_in(client, people.bob.email)
    client_id = await register(client)
    verifier, challenge = pkce()
    code = await get_code(client, client_id, challenge)
    token = (await exchange(client, client_id, code, verifier)).json()["access_token"]
    await client.get("/mcp/", headers={"Authorization": f"Bearer {token}"})
    await exchange(client, client_id, code, verifier)  # a replay is logged as a warning
    # then neither the values nor their secret parts are anywhere
    stored = await all_stored_text(fresh_db)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "replayed" in logged
    for secret in (token, token.split("_")[2], code, code.split("_")[2], verifier):
        assert secret not in stored
        assert secret not in logged
