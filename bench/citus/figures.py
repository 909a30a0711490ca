"""The cluster's figures: where the shards and the orgs are, and how one org's reads route.

``EXPLAIN`` runs as the app role with the org bound exactly as the reader binds it
(``accountlens_bind``), so row-level security applies on the workers as it does for a call.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import asyncpg

from accountlens.db.row_security import ORG_SETTING

SHARDS = """
SELECT nodeport, count(*) AS shards, sum(shard_size) AS bytes
FROM citus_shards WHERE citus_table_type = 'distributed' GROUP BY nodeport ORDER BY nodeport
"""
ORGS = """
SELECT o.slug, o.id, s.nodeport
FROM orgs o JOIN citus_shards s
  ON s.shardid = get_shard_id_for_distribution_column('accounts', o.id)
ORDER BY o.slug
"""
ROWS = """
SELECT nodeport, sum(result::bigint) AS accounts
FROM run_command_on_placements('accounts', 'SELECT count(*) FROM %s') GROUP BY nodeport
"""
_VECTOR = re.compile(r"'\[[^']*\]'::vector")
EXPLAINS = {
    "list (accounts by name)": (
        "SELECT id, name FROM accounts WHERE org_id = $1 ORDER BY name, id LIMIT 25"
    ),
    "keyword search (trigram)": (
        "SELECT id FROM accounts WHERE org_id = $1 AND name % 'acme crop' "
        "ORDER BY similarity(name, 'acme crop') DESC LIMIT 10"
    ),
    "semantic search (pgvector)": (
        "SELECT c.id FROM document_chunks c JOIN chunk_embeddings e "
        "ON e.org_id = c.org_id AND e.text_hash = c.text_hash WHERE c.org_id = $1 "
        "ORDER BY e.embedding <=> $2::vector LIMIT 10"
    ),
    "sign-in lookup (users by e-mail, every org)": (
        "SELECT org_id, id FROM users WHERE lower(email) = 'ada@northwind.example' "
        "AND is_active AND $1::uuid IS NOT NULL"
    ),
}


@dataclass(frozen=True)
class Placement:
    shards: list[tuple[int, int, int]]  # worker port, shards, bytes
    orgs: list[tuple[str, uuid.UUID, int]]  # slug, id, worker port
    accounts: dict[int, int]  # worker port -> account rows


async def placement(owner_dsn: str) -> Placement:
    conn = await asyncpg.connect(owner_dsn)
    try:
        shards = [(r["nodeport"], r["shards"], int(r["bytes"])) for r in await conn.fetch(SHARDS)]
        orgs = [(r["slug"], r["id"], r["nodeport"]) for r in await conn.fetch(ORGS)]
        accounts = {r["nodeport"]: int(r["accounts"]) for r in await conn.fetch(ROWS)}
    finally:
        await conn.close()
    return Placement(shards, orgs, accounts)


async def explain(app_dsn: str, org_id: uuid.UUID) -> dict[str, list[str]]:
    """The plan of each query of :data:`EXPLAINS` for ``org_id``, as the app role sees it."""
    conn = await asyncpg.connect(app_dsn)
    plans: dict[str, list[str]] = {}
    try:
        async with conn.transaction():
            await conn.execute("SELECT accountlens_bind($1, $2)", [ORG_SETTING], [str(org_id)])
            vector = await conn.fetchval(
                "SELECT embedding::text FROM chunk_embeddings WHERE org_id = $1 LIMIT 1", org_id
            )
            for label, query in EXPLAINS.items():
                args: list[object] = [org_id] + ([vector] if "$2" in query else [])
                rows = await conn.fetch(f"EXPLAIN (COSTS OFF) {query}", *args)
                plans[label] = [_VECTOR.sub("'[…]'::vector", r[0]) for r in rows]
    finally:
        await conn.close()
    return plans


def routed_to_one_shard(plan: list[str]) -> bool:
    """True when Citus sends the query to a single shard (one task)."""
    return any(line.strip() == "Task Count: 1" for line in plan)
