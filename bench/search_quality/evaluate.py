"""Runs every query as every persona through the real GraphQL ``semanticSearch`` and scores it.

A passage's grade is its label's grade in the query's judgments. The ideal ranking for nDCG and
the recall denominators come from every chunk the persona may see under the query's filters
(read with the app's own visibility predicate and date window), so a restricted member is
measured against what she could have been shown, not against the admin's answer.

recall@k counts passages graded 2 or 3 in the top k, over ``min(k, relevant visible)``: the
demo repeats wordings across meetings, so a topic often has far more relevant chunks than k.
nDCG@10 uses gains ``2**grade - 1``. A query with nothing relevant visible to a persona is left
out of that persona's averages.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, text

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from accountlens.db.models import DocumentChunk
from accountlens.resolvers.reader import Reader
from accountlens.resolvers.semantic import QueryEmbedder, SearchTuning
from accountlens.resolvers.visibility import visible_chunks
from accountlens.resolvers.windows import window
from accountlens.schema.context import build_context
from accountlens.schema.ids import encode_id
from accountlens.schema.root import schema
from bench.search_quality.labels import grade
from bench.search_quality.queries import Query

MODES = ("vector", "keyword", "hybrid")
RELEVANT = 2  # the grade from which a passage counts for recall
DEPTH = 10

#: The user classes and the demo persona standing for each (see accountlens.ingest.demo.cast).
PERSONAS = {
    "admin": "ada@northwind.example",
    "member, team book": "grace@northwind.example",
    "member, narrow book": "katherine@northwind.example",
    "open-org member": "niels@contoso.example",
}

SEARCH = """query($q: String!, $mode: SearchMode!, $account: ID, $since: String, $until: String) {
  semanticSearch(query: $q, first: 10, mode: $mode, accountId: $account, since: $since,
                 until: $until) { passages { text score } }
}"""


@dataclass(frozen=True, slots=True)
class VisibleChunk:
    label: str | None
    account_id: uuid.UUID | None
    occurred_at: datetime


@dataclass
class Scores:
    """Sums of per-query metrics; ``mean`` divides by the queries counted."""

    queries: int = 0
    sums: dict[str, float] = field(default_factory=dict)

    def add(self, metrics: dict[str, float]) -> None:
        self.queries += 1
        for name, value in metrics.items():
            self.sums[name] = self.sums.get(name, 0.0) + value

    def mean(self, name: str) -> float:
        return self.sums.get(name, 0.0) / self.queries if self.queries else 0.0


async def principal_for(db: Database, email: str) -> Principal:
    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT id, org_id, role, email, name FROM users WHERE email = :e"),
                {"e": email},
            )
        ).one()
    return Principal(
        user_id=row.id, org_id=row.org_id, role=row.role, email=row.email, name=row.name
    )


def metrics(got: Sequence[int], ideal: Sequence[int]) -> dict[str, float]:
    """recall@5, recall@10 and nDCG@10 of the grades ``got`` (in rank order) against ``ideal``."""
    relevant = sum(1 for g in ideal if g >= RELEVANT)

    def recall(k: int) -> float:
        return sum(1 for g in got[:k] if g >= RELEVANT) / min(k, relevant) if relevant else 0.0

    def dcg(grades: Sequence[int]) -> float:
        return sum((2.0**g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:DEPTH]))

    best = dcg(sorted(ideal, reverse=True))
    return {
        "recall@5": recall(5),
        "recall@10": recall(10),
        "ndcg@10": dcg(got) / best if best else 0.0,
    }


class Persona:
    """One user's view of the demo: what they may see, and searches run as them."""

    def __init__(
        self,
        db: Database,
        principal: Principal,
        labels: dict[str, str],
        embedder: QueryEmbedder,
        tuning: SearchTuning,
    ) -> None:
        self.db, self.principal, self.labels = db, principal, labels
        self.embedder, self.tuning = embedder, tuning
        self.reader = Reader.open(principal, db)
        self.chunks: list[VisibleChunk] = []

    async def load(self) -> None:
        await self.reader.org()
        c = DocumentChunk
        rows = await self.reader.rows(
            select(c.text, c.account_id, c.occurred_at).where(visible_chunks(self.principal))
        )
        self.chunks = [
            VisibleChunk(self.labels.get(r["text"]), r["account_id"], r["occurred_at"])
            for r in rows
        ]

    async def close(self) -> None:
        """End the persona's read transaction (its connection goes back to the pool)."""
        await self.reader.close()

    def scoped_account(self, topic: str) -> uuid.UUID | None:
        """The visible account with the most chunks of ``topic`` (ties: the lowest ID)."""
        counts = Counter(
            c.account_id
            for c in self.chunks
            if c.account_id is not None and (c.label or "").startswith(f"t:{topic}/")
        )
        if not counts:
            return None
        return min(counts, key=lambda account: (-counts[account], str(account)))

    async def candidates(self, query: Query, account: uuid.UUID | None) -> list[VisibleChunk]:
        """The visible chunks the query's filters leave."""
        kept = self.chunks
        if account is not None:
            kept = [c for c in kept if c.account_id == account]
        if query.since or query.until:
            span = await window(self.reader, query.since or "-100y", query.until, default_days=30)
            kept = [c for c in kept if span.start <= c.occurred_at < span.end]
        return kept

    async def search(
        self, query: Query, mode: str, account: uuid.UUID | None
    ) -> list[dict[str, Any]]:
        # Closing the context ends the operation's read transaction and frees its connection.
        async with build_context(
            self.principal, self.db, embedder=self.embedder, tuning=self.tuning
        ) as context:
            result = await schema.execute(
                SEARCH,
                variable_values={
                    "q": query.text,
                    "mode": mode.upper(),
                    "account": encode_id("account", account) if account else None,
                    "since": query.since,
                    "until": query.until,
                },
                context_value=context,
            )
        if result.errors or result.data is None:
            raise RuntimeError(f"semanticSearch failed: {result.errors}")
        passages: list[dict[str, Any]] = result.data["semanticSearch"]["passages"]
        return passages

    async def judge(self, query: Query, mode: str) -> dict[str, float] | None:
        """The query's metrics in ``mode``, or None when nothing relevant is visible."""
        account = None
        if query.account_topic is not None:
            account = self.scoped_account(query.account_topic)
            if account is None:
                return None
        pool = await self.candidates(query, account)
        ideal = [grade(c.label, query.grades) for c in pool]
        if not any(g >= RELEVANT for g in ideal):
            return None
        passages = await self.search(query, mode, account)
        got = [grade(self.labels.get(p["text"]), query.grades) for p in passages]
        return metrics(got, ideal)

    async def top_labels(self, query: Query, mode: str, k: int) -> list[str | None]:
        """Labels of the top ``k`` passages (for the trap-query check)."""
        passages = await self.search(query, mode, None)
        return [self.labels.get(p["text"]) for p in passages[:k]]


async def evaluate(
    db: Database,
    labels: dict[str, str],
    queries: Sequence[Query],
    embedder: QueryEmbedder,
    tuning: SearchTuning | None = None,
    personas: dict[str, str] | None = None,
) -> dict[str, dict[str, Scores]]:
    """``{user class: {mode: Scores}}`` over ``queries``."""
    out: dict[str, dict[str, Scores]] = {}
    for user_class, email in (personas or PERSONAS).items():
        persona = Persona(
            db, await principal_for(db, email), labels, embedder, tuning or SearchTuning()
        )
        try:
            await persona.load()
            out[user_class] = {mode: Scores() for mode in MODES}
            for query in queries:
                for mode in MODES:
                    found = await persona.judge(query, mode)
                    if found is not None:
                        out[user_class][mode].add(found)
        finally:
            await persona.close()
    return out


def table(results: dict[str, dict[str, Scores]]) -> str:
    """A Markdown table: one row per user class and mode."""
    lines = [
        "| user class | mode | queries | recall@5 | recall@10 | nDCG@10 |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for user_class, modes in results.items():
        for mode, s in modes.items():
            lines.append(
                f"| {user_class} | {mode} | {s.queries} | {s.mean('recall@5'):.3f} "
                f"| {s.mean('recall@10'):.3f} | {s.mean('ndcg@10'):.3f} |"
            )
    return "\n".join(lines)
