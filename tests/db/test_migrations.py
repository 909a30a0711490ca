"""The schema comes up from an empty database and every key leads with org_id."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from accountlens.db.engine import Database
from accountlens.db.migrate import current_revision, downgrade, upgrade
from accountlens.db.models import Base


async def test_migrations_bring_an_empty_database_to_the_models_schema(fresh_db: Database) -> None:
    async with fresh_db.engine.connect() as conn:
        tables = set(
            await conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
        )
        extensions = set(await conn.scalars(text("SELECT extname FROM pg_extension")))
    assert set(Base.metadata.tables) <= tables
    assert {"vector", "pg_trgm", "btree_gin"} <= extensions
    assert await current_revision(fresh_db.engine) is not None


async def test_upgrade_is_idempotent_and_downgrade_removes_every_table(fresh_db: Database) -> None:
    head = await current_revision(fresh_db.engine)
    await upgrade(fresh_db.engine)
    assert await current_revision(fresh_db.engine) == head

    await downgrade(fresh_db.engine, "base")
    async with fresh_db.engine.connect() as conn:
        left = set(
            await conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname='public'"))
        )
    assert left & set(Base.metadata.tables) == set()

    await upgrade(fresh_db.engine)
    assert await current_revision(fresh_db.engine) == head


async def test_every_primary_unique_and_btree_index_leads_with_org_id(fresh_db: Database) -> None:
    # given the migrated schema, when we list every index on our tables
    query = text(
        """
        SELECT c.relname AS table, i.relname AS index, am.amname AS method,
               a.attname AS first_column
        FROM pg_index x
        JOIN pg_class c ON c.oid = x.indrelid
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_am am ON am.oid = i.relam
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = x.indkey[0]
        WHERE n.nspname = 'public' AND c.relname <> 'alembic_version'
        """
    )
    async with fresh_db.engine.connect() as conn:
        rows = (await conn.execute(query)).mappings().all()
    # then each leads with org_id (the orgs table's own key is the org id), except the HNSW
    # vector index, which pgvector builds over a single column
    offenders = [
        dict(r)
        for r in rows
        if r["first_column"] != "org_id" and r["table"] != "orgs" and r["method"] != "hnsw"
    ]
    assert offenders == []
    assert any(r["method"] == "hnsw" for r in rows)


@pytest.mark.parametrize("table", sorted(t for t in Base.metadata.tables if t != "orgs"))
def test_every_table_carries_org_id(table: str) -> None:
    assert "org_id" in Base.metadata.tables[table].c
