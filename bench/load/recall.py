"""Semantic-search recall@10 per user class: the app's vector search against exact search.

Exact search is the same visibility-filtered query with index scans disabled, so PostgreSQL
computes the distance to every vector of the org and reads visible chunks nearest first.
Passages are matched by document and text; a chunk's distance is that of its stored vector.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from accountlens.schema.ids import decode_id
from bench.load.floor import SEMANTIC_SQL
from bench.load.mcp_client import call_tool
from bench.load.workload import SEMANTIC_QUERIES, UserMix

#: Distance of the chunk a passage shows (matched by document and text; the demo repeats
#: wordings across documents, never within one).
DISTANCE_SQL = """
SELECT min(e.embedding <=> $2::text::vector) FROM document_chunks c
JOIN chunk_embeddings e ON e.org_id = c.org_id AND e.text_hash = c.text_hash
WHERE c.org_id = $1 AND c.document_id = $3 AND c.text = $4"""
TIE = 1e-5


async def exact_distances(connection: asyncpg.Connection, mix: UserMix, vector: str) -> list[float]:
    """Distances of the exact 10 nearest visible chunks (index scans off: a full scan)."""
    who = (mix.facts["org_id"], mix.facts["user_id"], mix.facts["sees_all"])
    async with connection.transaction():
        await connection.execute("SET LOCAL enable_indexscan = off")
        rows = await connection.fetch(SEMANTIC_SQL, *who, vector)
        distances = []
        for row in rows:
            distance = await connection.fetchval(
                DISTANCE_SQL, who[0], vector, row["document_id"], row["text"]
            )
            distances.append(float(distance))
    return sorted(distances)


async def app_distances(
    http: httpx.AsyncClient, connection: asyncpg.Connection, mix: UserMix, query: str, vector: str
) -> list[float | None]:
    """Distances of the passages the app returns for ``query`` in vector mode."""
    result = await call_tool(
        http, mix.token, "semantic_search", {"query": query, "mode": "vector", "limit": 10}
    )
    if not result.ok or result.structured is None:
        raise RuntimeError(f"semantic_search failed for {mix.user_class}: {result.error}")
    out: list[float | None] = []
    for passage in result.structured.get("passages", []):
        decoded = decode_id(passage["document"]["id"])
        if decoded is None:
            out.append(None)
            continue
        distance = await connection.fetchval(
            DISTANCE_SQL, mix.facts["org_id"], vector, decoded[1], passage["text"]
        )
        out.append(None if distance is None else float(distance))
    return out


async def recall_by_class(
    http: httpx.AsyncClient,
    connection: asyncpg.Connection,
    mixes: list[UserMix],
    vectors: dict[str, str],
) -> dict[str, dict[str, Any]]:
    """Mean recall@10 over :data:`SEMANTIC_QUERIES` for each user class.

    A returned passage counts when it is at least as close as the exact 10th best: the demo
    repeats wordings, so many chunks tie at the cut and any of them is a correct answer.
    """
    out: dict[str, dict[str, Any]] = {}
    for mix in mixes:
        found = total = 0
        for query in SEMANTIC_QUERIES:
            exact = await exact_distances(connection, mix, vectors[query])
            if not exact:
                continue
            cut = exact[min(10, len(exact)) - 1]
            got = await app_distances(http, connection, mix, query, vectors[query])
            found += sum(1 for d in got[:10] if d is not None and d <= cut + TIE)
            total += min(10, len(exact))
        out[mix.user_class] = {
            "recall_at_10": round(found / total, 3) if total else None,
            "queries": len(SEMANTIC_QUERIES),
        }
    return out
