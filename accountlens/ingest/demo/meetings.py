"""Documents: meeting transcripts with their participants, KB articles, and their chunks.

Chunks are not written with the documents: their vectors are computed concurrently with the
rest of the build, so chunk rows wait in a :class:`ChunkBacklog` holding the index of their text.
Once embedding is done, each org's distinct vectors are written to ``chunk_embeddings`` and the
chunk rows are completed with the key (``text_hash``) of theirs.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from accountlens.ingest.demo.accounts import AccountProfile, PersonInfo
from accountlens.ingest.demo.cast import OrgContext, UserInfo
from accountlens.ingest.demo.corpus import (
    INTERNAL,
    INTERNAL_TITLES,
    MEETING_TITLES,
    TOPICS_BY_SITUATION,
)
from accountlens.ingest.demo.kb import ARTICLES
from accountlens.ingest.demo.rand import count_around, new_id
from accountlens.ingest.demo.transcripts import (
    PassagePool,
    TextIndex,
    compose,
    internal_plan,
    meeting_plan,
)
from accountlens.ingest.demo.writer import Batch

CHUNK_COLUMNS = (
    "org_id", "id", "document_id", "ordinal", "kind", "account_id", "occurred_at", "speaker",
    "start_seconds", "text", "text_hash",
)  # fmt: skip
EMBEDDING_COLUMNS = ("org_id", "text_hash", "embedding")
#: Topics an executive on the customer side usually joins for.
_EXECUTIVE_TOPICS = frozenset(
    ("executive_escalation", "budget_cuts", "pricing_pushback", "renewal_risk",
     "expansion_interest")
)  # fmt: skip


@dataclass
class ChunkBacklog:
    """Chunk rows waiting for vectors: every column but ``text_hash``, which holds a text index."""

    rows: list[tuple[object, ...]] = field(default_factory=list)

    def texts_per_org(self) -> list[tuple[uuid.UUID, int]]:
        """Each ``(org id, text index)`` the chunks use, once, in the order first used."""
        return list(
            dict.fromkeys((cast(uuid.UUID, row[0]), cast(int, row[-1])) for row in self.rows)
        )

    def add(
        self,
        ctx: OrgContext,
        document_id: uuid.UUID,
        ordinal: int,
        kind: str,
        account_id: uuid.UUID | None,
        occurred_at: datetime,
        speaker: str | None,
        start_seconds: int | None,
        text: str,
        text_index: int,
        rng: random.Random,
    ) -> None:
        self.rows.append(
            (
                ctx.id,
                new_id(rng),
                document_id,
                ordinal,
                kind,
                account_id,
                occurred_at,
                speaker,
                start_seconds,
                text,
                text_index,
            )
        )


def _participants(
    ctx: OrgContext, rng: random.Random, out: Batch, document_id: uuid.UUID, created: datetime,
    users: list[UserInfo], people: list[PersonInfo],
) -> None:  # fmt: skip
    for user in users:
        out.record(
            "document_participants",
            ctx.id,
            new_id(rng),
            created,
            document_id=document_id,
            user_id=user.id,
            person_id=None,
        )
    for person in people:
        out.record(
            "document_participants",
            ctx.id,
            new_id(rng),
            created,
            document_id=document_id,
            user_id=None,
            person_id=person.id,
        )


def _transcript(
    ctx: OrgContext, rng: random.Random, out: Batch, backlog: ChunkBacklog, pool: PassagePool, *,
    title: str, account_id: uuid.UUID | None, occurred: datetime, keys: list[str],
    speakers: dict[str, str], users: list[UserInfo], people: list[PersonInfo],
) -> None:  # fmt: skip
    draft = compose(rng, pool, keys, speakers)
    document_id = new_id(rng)
    created = occurred + timedelta(seconds=draft.duration_seconds + 600)
    out.record(
        "documents",
        ctx.id,
        document_id,
        created,
        kind="transcript",
        title=title,
        account_id=account_id,
        occurred_at=occurred,
        duration_seconds=draft.duration_seconds,
        body=draft.body,
    )
    _participants(ctx, rng, out, document_id, created, users, people)
    for chunk in draft.chunks:
        backlog.add(
            ctx,
            document_id,
            chunk.ordinal,
            "transcript",
            account_id,
            occurred,
            chunk.speaker,
            chunk.start_seconds,
            pool.texts.text(chunk.text_index),
            chunk.text_index,
            rng,
        )


def add_account_meetings(
    ctx: OrgContext, account: AccountProfile, pool: PassagePool, out: Batch, backlog: ChunkBacklog
) -> None:
    """The account's recorded meetings: scripted ones from its story, then generated ones."""
    rng = ctx.rng("account", account.index, "meetings")
    situation = account.situation
    topics_pool = TOPICS_BY_SITUATION[situation]
    plans: list[tuple[int, tuple[str, ...]]] = list(account.story.meetings) if account.story else []
    for _ in range(count_around(rng, ctx.preset.transcripts * account.weight)):
        days_ago = int(180 * rng.random() ** 1.5) + 1
        plans.append(
            (days_ago, tuple(rng.sample(topics_pool, k=min(len(topics_pool), rng.randint(1, 3)))))
        )
    champions = [p for p in account.people if p.persona == "champion"] or account.people
    executives = [p for p in account.people if p.persona in ("economic_buyer", "decision_maker")]
    for days_ago, topics in plans:
        occurred = (ctx.now - timedelta(days=days_ago)).replace(
            hour=9 + rng.randrange(8), minute=rng.choice((0, 30))
        )
        if occurred >= ctx.now:
            occurred -= timedelta(days=1)
        csm = rng.choice(account.staff)
        contact = rng.choice(champions)
        people = [contact]
        needs_exec = not _EXECUTIVE_TOPICS.isdisjoint(topics)
        executive = rng.choice(executives) if executives and needs_exec else contact
        if executive not in people:
            people.append(executive)
        users = [csm] + ([account.owner] if account.owner != csm and rng.random() < 0.4 else [])
        title = f"{rng.choice(MEETING_TITLES[situation])} – {account.name}"
        _transcript(
            ctx,
            rng,
            out,
            backlog,
            pool,
            title=title,
            account_id=account.id,
            occurred=occurred,
            keys=meeting_plan(pool, topics),
            speakers={"csm": csm.name, "cust": contact.name, "exec": executive.name},
            users=users,
            people=people,
        )


def add_internal_meetings(
    ctx: OrgContext, pool: PassagePool, out: Batch, backlog: ChunkBacklog
) -> None:
    """Account-less meetings between users: visible only to those who took part."""
    rng = ctx.rng("internal-meetings")
    users = ctx.users
    topics = list(INTERNAL)
    for position in range(max(2, ctx.preset.internal_items // 2)):
        # Rotate through the users so every named user took part in some meeting.
        lead = users[position % len(users)]
        other = users[(position + 1 + rng.randrange(len(users) - 1)) % len(users)]
        topic = topics[position % len(topics)]
        occurred = (ctx.now - timedelta(days=7 * position + rng.randrange(1, 6))).replace(
            hour=15, minute=0
        )
        _transcript(
            ctx,
            rng,
            out,
            backlog,
            pool,
            title=INTERNAL_TITLES[topic],
            account_id=None,
            occurred=occurred,
            keys=internal_plan(pool, [topic]),
            speakers={"lead": lead.name, "csm": other.name, "cust": other.name},
            users=[lead, other],
            people=[],
        )


def add_kb_articles(ctx: OrgContext, texts: TextIndex, out: Batch, backlog: ChunkBacklog) -> None:
    """The org's knowledge base: one chunk per paragraph, no speaker."""
    rng = ctx.rng("kb")
    for position, (title, paragraphs) in enumerate(ARTICLES):
        document_id = new_id(rng)
        published = ctx.now - timedelta(days=30 + 45 * position, hours=rng.randrange(24))
        out.record(
            "documents",
            ctx.id,
            document_id,
            published,
            kind="kb_article",
            title=title,
            account_id=None,
            occurred_at=published,
            duration_seconds=None,
            body="\n\n".join(paragraphs),
        )
        for ordinal, paragraph in enumerate(paragraphs):
            backlog.add(
                ctx,
                document_id,
                ordinal,
                "kb_article",
                None,
                published,
                None,
                None,
                paragraph,
                texts.add(paragraph),
                rng,
            )
