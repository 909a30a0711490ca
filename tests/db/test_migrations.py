"""The schema comes up from an empty database and every key leads with org_id."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, MetaData, String, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine

from accountlens.db.embedded import EmbeddedServer
from accountlens.db.engine import Database, create_engine
from accountlens.db.migrate import alembic_config, current_revision, downgrade, upgrade
from accountlens.db.models import Base
from tests.conftest import create_database, drop_database


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


def _vector(position: int) -> str:
    """A 384-d unit vector along one axis, as pgvector text."""
    return "[" + ",".join("1" if i == position else "0" for i in range(384)) + "]"


async def test_upgrading_stores_one_vector_per_distinct_text_and_keeps_each_chunks_vector(
    fresh_db: Database,
) -> None:
    # given a database from before 0005 whose chunks carry their own vectors: two chunks say
    # the same thing, a third something else, and a fourth has no vector yet
    engine = fresh_db.engine
    await downgrade(engine, "0004")
    org, document = uuid.uuid4(), uuid.uuid4()
    chunks = [("Budget is tight.", 0), ("Budget is tight.", 0), ("Send the export.", 1)]
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO orgs (id, name, slug) VALUES (:id, 'Acme', 'acme')"), {"id": org}
        )
        await conn.execute(
            text(
                "INSERT INTO documents (org_id, id, kind, title, occurred_at, body) "
                "VALUES (:org, :id, 'transcript', 'Call', now(), '')"
            ),
            {"org": org, "id": document},
        )
        for ordinal, (said, axis) in enumerate([*chunks, ("Not embedded yet.", None)]):
            await conn.execute(
                text(
                    "INSERT INTO document_chunks (org_id, id, document_id, ordinal, kind, "
                    "occurred_at, text, embedding) VALUES (:org, :id, :doc, :ordinal, "
                    "'transcript', now(), :text, CAST(:vector AS vector))"
                ),
                {"org": org, "id": uuid.uuid4(), "doc": document, "ordinal": ordinal,
                 "text": said, "vector": None if axis is None else _vector(axis)},
            )  # fmt: skip

    # when
    await upgrade(engine)

    # then each distinct text has one stored vector, and every chunk still finds its own
    read = text(
        "SELECT c.text, e.embedding::text AS vector FROM document_chunks c "
        "LEFT JOIN chunk_embeddings e ON e.org_id = c.org_id AND e.text_hash = c.text_hash "
        "ORDER BY c.ordinal"
    )
    async with engine.connect() as conn:
        stored = await conn.scalar(text("SELECT count(*) FROM chunk_embeddings"))
        after = [tuple(row) for row in await conn.execute(read)]
    assert stored == 2
    assert after == [
        *((said, _vector(axis)) for said, axis in chunks),
        ("Not embedded yet.", None),
    ]

    # and going back down gives each chunk its vector again
    await downgrade(engine, "0004")
    async with engine.connect() as conn:
        before = await conn.execute(
            text("SELECT embedding::text FROM document_chunks ORDER BY ordinal")
        )
        assert [row[0] for row in before] == [*(_vector(axis) for _, axis in chunks), None]


async def test_replicas_starting_together_migrate_once_without_racing(
    pg_server: EmbeddedServer, admin_engine: AsyncEngine
) -> None:
    # given an empty database and two app processes starting at the same moment
    name = f"t_race_{uuid.uuid4().hex[:8]}"
    await create_database(admin_engine, name)
    engines = [create_engine(make_url(pg_server.url(name)), pool_size=1) for _ in range(2)]
    try:
        # when both bring the schema up to date
        await asyncio.gather(*(upgrade(engine) for engine in engines))
        # then both succeed and the schema is at the newest revision
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert await current_revision(engines[0]) == head
    finally:
        for engine in engines:
            await engine.dispose()
        await drop_database(admin_engine, name)


def _schema_diff(connection: Connection, metadata: MetaData) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_the_migrations_build_exactly_the_models_schema(fresh_db: Database) -> None:
    # given a database migrated to head, when Alembic compares it with the models
    async with fresh_db.engine.connect() as conn:
        diff = await conn.run_sync(_schema_diff, Base.metadata)
    # then nothing differs: no column, index, key or type that a migration forgot
    assert diff == []


async def test_the_schema_comparison_notices_a_model_column_no_migration_adds(
    fresh_db: Database,
) -> None:
    # given the models plus one column that no migration creates
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    metadata.tables["accounts"].append_column(Column("nickname", String(80)))
    # when Alembic compares
    async with fresh_db.engine.connect() as conn:
        diff = await conn.run_sync(_schema_diff, metadata)
    # then it names exactly that column
    assert [(op[0], op[2], op[3].name) for op in diff] == [("add_column", "accounts", "nickname")]
