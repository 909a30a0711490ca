"""The raw-SQL floor: hand-written asyncpg statements that return the same answers.

Each call of the mix has a counterpart here that a careful engineer would write by hand for
that one question, visibility included (a member's book is a subquery; admins and open orgs
read the whole org), with prepared statements on one connection. The ratio of a tool's latency
to its floor is the cost of everything between HTTP and PostgreSQL. The calls the peers step
judges (list accounts, get 25 tickets, product usage, the timeline, keyword search) take its
exact per-class statements (:mod:`bench.peers.floor`); the rest are written here.
"""

# ruff: noqa: S608 - the statements are built from constant fragments; values are parameters.
from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import asyncpg

from accountlens.schema.ids import decode_id
from bench.load.workload import Call, UserMix
from bench.peers.floor import floor_runner
from bench.peers.systems import caller_of

#: Visible account ids for the caller: $1 org, $2 user, $3 sees every account of the org.
VISIBLE = """
  SELECT id FROM accounts WHERE org_id = $1 AND $3::bool
  UNION ALL SELECT id FROM accounts WHERE org_id = $1 AND NOT $3 AND owner_id = $2
  UNION ALL SELECT account_id FROM account_team_members
            WHERE org_id = $1 AND NOT $3 AND user_id = $2
  UNION ALL SELECT a.id FROM accounts a JOIN team_members m
            ON m.org_id = a.org_id AND m.team_id = a.team_id
            WHERE a.org_id = $1 AND NOT $3 AND m.user_id = $2
"""

LIST_SQL = {
    "opportunity": """
SELECT o.id, o.name, o.stage, o.amount, o.currency, o.close_date, a.id, a.name,
       count(*) OVER () AS total
FROM opportunities o JOIN accounts a ON a.org_id = o.org_id AND a.id = o.account_id
WHERE o.org_id = $1 AND o.account_id IN ("""
    + VISIBLE
    + """)
  AND o.stage_category = 'open' AND o.amount > 50000 AND o.close_date >= $4 AND o.close_date < $5
ORDER BY o.amount DESC NULLS LAST, o.id LIMIT 25""",
    "champions": """
SELECT p.id, p.name, p.title, p.email, p.persona, a.id, a.name, count(*) OVER () AS total
FROM people p JOIN accounts a ON a.org_id = p.org_id AND a.id = p.account_id
WHERE p.org_id = $1 AND p.account_id IN ("""
    + VISIBLE
    + """)
  AND a.name = $4 AND p.persona = 'champion'
ORDER BY p.name, p.id LIMIT 25""",
    "at_risk_tickets": """
SELECT t.id, t.subject, t.status, t.priority, t.opened_at, a.id, a.name,
       count(*) OVER () AS total
FROM tickets t JOIN accounts a ON a.org_id = t.org_id AND a.id = t.account_id
WHERE t.org_id = $1 AND t.account_id IN ("""
    + VISIBLE
    + """)
  AND t.account_id IN (SELECT gm.account_id FROM group_members gm JOIN groups g
                       ON g.org_id = gm.org_id AND g.id = gm.group_id
                       WHERE gm.org_id = $1 AND g.name = 'At Risk')
ORDER BY t.opened_at DESC NULLS LAST, t.id LIMIT 25""",
    "activities": """
SELECT t.id, t.kind, t.subject, t.occurred_at, a.id, a.name,
       (SELECT count(*) FROM activities c WHERE c.org_id = $1
          AND c.account_id IN ("""
    + VISIBLE
    + """)) AS total
FROM activities t JOIN accounts a ON a.org_id = t.org_id AND a.id = t.account_id
WHERE t.org_id = $1 AND t.account_id IN ("""
    + VISIBLE
    + """)
ORDER BY t.occurred_at DESC NULLS LAST, t.id LIMIT 25""",
}


GET_RELATED_SQL = (
    """
SELECT a.*, (SELECT json_agg(x) FROM (SELECT id, name, title, persona FROM people
              WHERE org_id = $1 AND account_id = a.id ORDER BY name, id LIMIT 5) x) AS people,
       (SELECT json_agg(y) FROM (SELECT id, name, stage, amount, close_date FROM opportunities
              WHERE org_id = $1 AND account_id = a.id ORDER BY close_date, id LIMIT 5) y) AS opps
FROM accounts a WHERE a.org_id = $1 AND a.id = $4 AND a.id IN ("""
    + VISIBLE
    + """)"""
)


#: The org's distinct vectors nearest first, each followed by its visible chunks (the HNSW
#: index walks the vectors; chunks sharing a vector come in id order), stopping at ten.
SEMANTIC_SQL = (
    """
SELECT c.id, c.document_id, c.text, c.speaker, c.start_seconds, d.title
FROM (SELECT c.id, c.document_id, c.text, c.speaker, c.start_seconds
      FROM chunk_embeddings e
      CROSS JOIN LATERAL (
        SELECT id, document_id, text, speaker, start_seconds FROM document_chunks
        WHERE org_id = $1 AND text_hash = e.text_hash
          AND (kind = 'kb_article' OR ($3 AND account_id IS NOT NULL) OR account_id IN ("""
    + VISIBLE
    + """)
               OR (account_id IS NULL AND EXISTS (SELECT 1 FROM document_participants dp
                   WHERE dp.org_id = $1 AND dp.document_id = document_chunks.document_id
                     AND dp.user_id = $2)))
        ORDER BY id LIMIT 10) c
      WHERE e.org_id = $1
      ORDER BY e.embedding <=> $4::text::vector LIMIT 10) c
JOIN documents d ON d.org_id = $1 AND d.id = c.document_id"""
)

#: The index settings the app's HNSW path uses, so the walk continues past invisible vectors.
HNSW_SETTINGS = ("SET LOCAL hnsw.iterative_scan = relaxed_order", "SET LOCAL hnsw.ef_search = 200")

Runner = Callable[[asyncpg.Connection], Awaitable[Any]]


def _uuid(typed_id: str) -> uuid.UUID:
    decoded = decode_id(typed_id)
    if decoded is None:
        raise ValueError(typed_id)
    return decoded[1]


def _quarter(today: date) -> tuple[date, date]:
    start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = date(start.year + (start.month + 3 > 12), (start.month + 2) % 12 + 1, 1)
    return start, end


def runner_for(mix: UserMix, call: Call, vectors: dict[str, str]) -> Runner | None:
    """The floor statement(s) for ``call`` as ``mix``'s user, or ``None`` if it has none."""
    label = call.label
    # The calls the peers step judges take its floor: the cheapest correct statement per user
    # class (an admin reads the org, no member union; every searchable type, hidden fields not
    # searched), so both steps of a run compare against the same statement.
    facts = dict(mix.facts, search_queries={label: call.arguments.get("query", "")})
    exact = floor_runner(label, caller_of(mix), facts)
    if exact is not None:
        return exact
    who = (mix.facts["org_id"], mix.facts["user_id"], mix.facts["sees_all"])
    now = datetime.now(UTC)
    if label.startswith("Q2"):
        return lambda c: c.fetch(LIST_SQL["opportunity"], *who, *_quarter(now.date()))
    if label.startswith("Q3"):
        return lambda c: c.fetch(LIST_SQL["champions"], *who, mix.facts["globex_name"])
    if label.startswith("Q4"):
        return lambda c: c.fetch(LIST_SQL["at_risk_tickets"], *who)
    if label == "list activities":
        return lambda c: c.fetch(LIST_SQL["activities"], *who)
    acme = _uuid(mix.facts["acme"])
    if label == "get account + related":
        return lambda c: c.fetch(GET_RELATED_SQL, *who, acme)
    if label == "semantic_search":
        vector = vectors[call.arguments["query"]]

        async def semantic(c: asyncpg.Connection) -> Any:
            async with c.transaction():
                for setting in HNSW_SETTINGS:
                    await c.execute(setting)
                return await c.fetch(SEMANTIC_SQL, *who, vector)

        return semantic
    return None


async def time_floor(connection: asyncpg.Connection, runner: Runner, repeats: int) -> list[float]:
    """Latencies (ms) of ``repeats`` runs after one warm-up (which also prepares)."""
    await runner(connection)
    latencies = []
    for _ in range(repeats):
        started = time.perf_counter()
        await runner(connection)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies
