"""Embedding the distinct passage texts, and handing the vectors to COPY.

Identical texts share one vector, so the model runs once per distinct text however many chunks
use it. Vectors are encoded once into pgvector's binary wire format; during the build the
connection's ``vector`` codec passes those bytes through unchanged (and is restored afterwards,
so the pooled connection behaves as before).
"""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager

import asyncpg
import numpy as np
import numpy.typing as npt

from accountlens.db.models import EMBEDDING_DIMENSIONS
from accountlens.ingest.embeddings import Embedder

#: Texts per call to the embedder: large enough to batch well, small enough to show progress.
EMBED_BATCH = 256


def encode_vector(vector: npt.NDArray[np.float32]) -> bytes:
    """pgvector's binary format: dimensions, a reserved zero, big-endian float32 values."""
    return struct.pack(">HH", vector.shape[0], 0) + vector.astype(">f4").tobytes()


def embed_texts(
    embedder: Embedder, texts: Sequence[str], on_progress: Callable[[int], None]
) -> list[bytes]:
    """Embed ``texts`` in order (synchronous: run it in a thread) and encode each vector."""
    if embedder.dimensions != EMBEDDING_DIMENSIONS:
        raise ValueError(
            f"embedder {embedder.model_id} gives {embedder.dimensions}-d vectors; "
            f"the database stores {EMBEDDING_DIMENSIONS}-d"
        )
    encoded: list[bytes] = []
    for start in range(0, len(texts), EMBED_BATCH):
        batch = texts[start : start + EMBED_BATCH]
        matrix = embedder.embed(batch)
        if matrix.shape != (len(batch), EMBEDDING_DIMENSIONS):
            raise ValueError(f"embedder returned shape {matrix.shape} for {len(batch)} texts")
        encoded.extend(encode_vector(row) for row in matrix)
        on_progress(len(batch))
    return encoded


def _pass_through(value: bytes) -> bytes:
    return value


@asynccontextmanager
async def binary_vectors(connection: asyncpg.Connection) -> AsyncIterator[None]:
    """Let COPY take pre-encoded vectors as ``bytes`` on ``connection`` for a while.

    Enter it outside the build's transaction: restoring the codec runs a query, which must not
    meet a transaction that failed.
    """
    schema = await connection.fetchval(
        "SELECT n.nspname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
        "WHERE t.typname = 'vector'"
    )
    if schema is None:
        raise RuntimeError("the pgvector extension is not installed in this database")
    await connection.set_type_codec(
        "vector", schema=schema, encoder=_pass_through, decoder=_pass_through, format="binary"
    )
    try:
        yield
    finally:
        try:
            await connection.reset_type_codec("vector", schema=schema)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            # A connection we cannot restore must not go back to the pool with our codec.
            connection.terminate()
