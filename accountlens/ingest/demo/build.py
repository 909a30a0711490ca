"""``build_demo``: generate the demo workspace and load it in one transaction.

The work overlaps three ways on purpose: the distinct passage texts are embedded in a worker
thread from the start, the next batch of rows is generated in another thread while PostgreSQL
ingests the previous one, and chunk rows (which need the vectors) are written last. Everything
happens in a single transaction, so a failure anywhere leaves the database as it was.
Each org stores one vector per distinct text it uses; chunks point at theirs by text hash.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime
from typing import cast

import asyncpg
from rich.console import Console
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from accountlens.auth.passwords import hash_password
from accountlens.db.models import Org, passage_hash
from accountlens.db.schema_lock import ddl_sequentially_on_citus
from accountlens.ingest.demo.cast import (
    DEMO_ORG_SLUGS,
    DEMO_PASSWORDS,
    ORGS,
    account_counts,
    build_cast,
    logins,
)
from accountlens.ingest.demo.constraints import drop_foreign_keys, restore_foreign_keys
from accountlens.ingest.demo.generator import OrgGenerator
from accountlens.ingest.demo.meetings import CHUNK_COLUMNS, EMBEDDING_COLUMNS, ChunkBacklog
from accountlens.ingest.demo.presets import PRESETS, Scale
from accountlens.ingest.demo.summary import DemoSummary
from accountlens.ingest.demo.transcripts import PassagePool, TextIndex
from accountlens.ingest.demo.vectors import binary_vectors, embed_texts
from accountlens.ingest.demo.writer import COPY_TIMEOUT_SECONDS, TABLE_ORDER, Batch, CopyWriter
from accountlens.ingest.embeddings import Embedder
from accountlens.ingest.importer.references import optional_references
from accountlens.ingest.progress import ProgressBars

CHUNK_BATCH = 20_000


class DemoExistsError(RuntimeError):
    """Demo orgs already exist and ``replace`` was not requested."""


async def build_demo(
    engine: AsyncEngine,
    *,
    scale: Scale = "small",
    seed: int = 42,
    embedder: Embedder | None = None,
    console: Console | None = None,
    replace: bool = True,
    anchor: date | None = None,
) -> DemoSummary:
    """Build the demo orgs at ``scale`` and return what was made.

    The same ``seed`` and ``anchor`` (the day the data treats as "today"; the current UTC date
    by default) give identical rows, primary keys included, except the argon2 salts of the
    password hashes. Without an ``embedder`` chunks are stored without vectors (``text_hash``
    NULL).
    ``replace`` first deletes orgs that have the demo slugs; otherwise their presence is an
    error. Progress bars go to ``console`` when one is given.
    """
    started = time.perf_counter()
    preset = PRESETS[scale]
    anchor = anchor or datetime.now(UTC).date()
    # argon2 is deliberately slow: hash each distinct password once, in parallel.
    roles = list(DEMO_PASSWORDS)
    hashed = await asyncio.gather(
        *(asyncio.to_thread(hash_password, DEMO_PASSWORDS[role]) for role in roles)
    )
    hashes = dict(zip(roles, hashed, strict=True))

    texts = TextIndex()
    pool = PassagePool.build(seed, preset.wordings_per_exchange, texts)
    backlog = ChunkBacklog()
    counts_per_org = account_counts(preset.accounts)

    with ProgressBars(console) as progress:
        async with engine.connect() as conn:
            raw = await _driver_connection(conn)
            async with binary_vectors(raw), conn.begin():
                await conn.execute(text("SET LOCAL statement_timeout = 0"))
                await ddl_sequentially_on_citus(conn)  # it drops and restores foreign keys
                await _clear_demo_orgs(conn, raw, replace=replace)
                foreign_keys = await drop_foreign_keys(raw, TABLE_ORDER)
                writer = CopyWriter(raw)
                frame = Batch()
                contexts = [
                    build_cast(
                        spec,
                        seed=seed,
                        preset=preset,
                        anchor=anchor,
                        account_count=count,
                        password_hashes=hashes,
                        out=frame,
                    )
                    for spec, count in zip(ORGS, counts_per_org, strict=True)
                ]
                generators = [OrgGenerator(ctx, pool, backlog) for ctx in contexts]
                for generator in generators:
                    generator.frame(frame)  # also registers the KB texts for embedding
                await writer.write(frame)

                embedding = _start_embedding(embedder, texts, progress)
                try:
                    for generator in generators:
                        await _write_accounts(generator, writer, progress)
                    vectors = await embedding
                finally:
                    embedding.cancel()
                await _write_chunks(backlog, texts, vectors, writer, progress)
                task = progress.task("Checking foreign keys", len(foreign_keys))
                for key in foreign_keys:
                    await restore_foreign_keys(raw, [key])
                    task.advance(1)
        await _analyze(engine, progress)

    counts = {name: writer.counts.get(name, 0) for name in TABLE_ORDER}
    return DemoSummary(
        orgs=[ctx.demo_org for ctx in contexts],
        logins=[login for ctx in contexts for login in logins(ctx)],
        counts=counts,
        seconds=time.perf_counter() - started,
        embedded_texts=len(vectors) if vectors else 0,
    )


async def _driver_connection(conn: AsyncConnection) -> asyncpg.Connection:
    raw = await conn.get_raw_connection()
    return cast(asyncpg.Connection, raw.driver_connection)


async def _clear_demo_orgs(
    conn: AsyncConnection, raw: asyncpg.Connection, *, replace: bool
) -> None:
    """Remove earlier demo orgs (with everything in them), or refuse if not asked to."""
    existing = list(await conn.scalars(select(Org.slug).where(Org.slug.in_(DEMO_ORG_SLUGS))))
    if existing and not replace:
        raise DemoExistsError(f"demo orgs already exist: {', '.join(sorted(existing))}")
    if not existing:
        return
    others = await conn.scalar(
        select(func.count()).select_from(Org).where(Org.slug.not_in(DEMO_ORG_SLUGS))
    )
    # Raw asyncpg with our own timeout: the engine's command timeout is sized for requests,
    # and deleting a large demo takes minutes.
    if others == 0:
        # Only demo orgs here: emptying every org-scoped table is the same as deleting them,
        # and TRUNCATE takes a second where a cascading DELETE of millions of rows takes minutes.
        await raw.execute("TRUNCATE orgs CASCADE", timeout=COPY_TIMEOUT_SECONDS)
    else:
        # Every table references orgs with ON DELETE CASCADE, but optional references between
        # records take no action (Citus, migration 0021): a cascade may reach an account before
        # the chunks that point at it, so those references are cleared first.
        for table, column in optional_references():
            await raw.execute(
                # names from our own metadata, never from input
                f'UPDATE "{table.name}" SET "{column}" = NULL WHERE "{column}" IS NOT NULL'  # noqa: S608
                " AND org_id IN (SELECT id FROM orgs WHERE slug = ANY($1::text[]))",
                list(DEMO_ORG_SLUGS),
                timeout=COPY_TIMEOUT_SECONDS,
            )
        await raw.execute(
            "DELETE FROM orgs WHERE slug = ANY($1::text[])",
            list(DEMO_ORG_SLUGS),
            timeout=COPY_TIMEOUT_SECONDS,
        )


def _start_embedding(
    embedder: Embedder | None, texts: TextIndex, progress: ProgressBars
) -> asyncio.Task[list[bytes] | None]:
    async def run() -> list[bytes] | None:
        if embedder is None:
            return None
        task = progress.task("Embedding distinct passages", len(texts))
        return await asyncio.to_thread(
            embed_texts, embedder, texts.texts, lambda n: task.advance(n)
        )

    return asyncio.create_task(run())


async def _write_accounts(
    generator: OrgGenerator, writer: CopyWriter, progress: ProgressBars
) -> None:
    """Generate the next batch in a thread while the previous one is copied."""
    task = progress.task(f"Accounts · {generator.ctx.spec.name}", generator.ctx.account_count)
    ranges = list(generator.batches())
    pending: asyncio.Task[Batch] | None = None
    try:
        for position, (start, stop) in enumerate(ranges):
            batch = await pending if pending else generator.accounts(start, stop)
            pending = None
            if position + 1 < len(ranges):
                following = ranges[position + 1]
                pending = asyncio.create_task(asyncio.to_thread(generator.accounts, *following))
            await writer.write(batch)
            task.advance(stop - start)
    finally:
        if pending is not None:
            # A failed write: let the generation finish so no thread outlives the build.
            await asyncio.gather(pending, return_exceptions=True)


async def _write_chunks(
    backlog: ChunkBacklog,
    texts: TextIndex,
    vectors: list[bytes] | None,
    writer: CopyWriter,
    progress: ProgressBars,
) -> None:
    """Each org's distinct vectors, then the chunk rows that point at them."""
    hashes: dict[int, bytes] = {}
    if vectors:
        used = backlog.texts_per_org()
        for _, index in used:
            if index not in hashes:
                hashes[index] = passage_hash(texts.text(index))
        stored = Batch()
        stored.add_tuples(
            "chunk_embeddings",
            EMBEDDING_COLUMNS,
            ((org_id, hashes[index], vectors[index]) for org_id, index in used),
        )
        await writer.write(stored)
    task = progress.task("Document chunks", len(backlog.rows))
    for start in range(0, len(backlog.rows), CHUNK_BATCH):
        rows = backlog.rows[start : start + CHUNK_BATCH]
        batch = Batch()
        batch.add_tuples(
            "document_chunks",
            CHUNK_COLUMNS,
            ((*row[:-1], hashes.get(cast(int, row[-1]))) for row in rows),
        )
        await writer.write(batch)
        task.advance(len(rows))


async def _analyze(engine: AsyncEngine, progress: ProgressBars) -> None:
    """Refresh planner statistics so the first queries on the new data plan well."""
    task = progress.task("Updating statistics", len(TABLE_ORDER))
    async with engine.begin() as conn:
        await conn.execute(text("SET LOCAL statement_timeout = 0"))
        for name in TABLE_ORDER:
            await conn.execute(text(f'ANALYZE "{name}"'))
            task.advance(1)
