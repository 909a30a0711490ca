"""Transcripts and KB articles: the document rows, their participants, passages and embeddings.

Passages are rebuilt only for documents whose passages differ from the stored ones (compared by
position, speaker, time and a hash of the text). Vectors are stored once per distinct text of the
org (``chunk_embeddings``, keyed by the text's SHA-256) and only texts without a stored vector are
embedded, so a re-run embeds nothing and repeated boilerplate is embedded once. Each batch of
documents is embedded, then its rows, participants, new vectors and passages are written in the
file's transaction, and vectors no passage uses any more are removed.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    LargeBinary,
    any_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeEngine

from accountlens.db.models import (
    ChunkEmbedding,
    Document,
    DocumentChunk,
    DocumentParticipant,
    passage_hash,
)
from accountlens.ingest.importer.chunking import (
    Passage,
    article_passages,
    transcript_body,
    transcript_passages,
)
from accountlens.ingest.importer.formats import DocumentRow
from accountlens.ingest.importer.load import (
    MAX_PARAMETERS,
    ChildRows,
    ChildTable,
    batched,
    table_of,
    uuid_array,
)
from accountlens.ingest.importer.records import ImportContext, Item, RecordSpec
from accountlens.ingest.importer.resolve import Ref, Resolved
from accountlens.ingest.importer.specs_crm import optional_ref

EMBED_BATCH = 64
_CHUNKS = table_of(DocumentChunk)
_VECTORS = table_of(ChunkEmbedding)
_DOCUMENTS = table_of(Document)
_BATCH = 5_000

D = TypeVar("D", bound=DocumentRow)
Signature = list[tuple[int, str | None, int | None, str]]
Vector = npt.NDArray[np.float32]


def passages_of(row: DocumentRow) -> list[Passage]:
    """Speaker turns for a transcript, paragraphs for an article."""
    if row.kind == "transcript":
        return transcript_passages(row.turns or [])
    return article_passages(row.body or "")


def signature(passages: Sequence[Passage]) -> Signature:
    return [
        (ordinal, passage.speaker, passage.start_seconds, _md5(passage.text))
        for ordinal, passage in enumerate(passages)
    ]


def _md5(text: str) -> str:
    # Matches PostgreSQL's md5(text) for a UTF-8 database; only for change detection.
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


class PassageSpec(RecordSpec[D]):
    """Documents of any source: rows, participants, passages and their vectors."""

    kind = "document"
    table = _DOCUMENTS
    children = (
        ChildTable(
            "participants", table_of(DocumentParticipant), "document_id", ("user_id", "person_id")
        ),
    )

    def __init__(self) -> None:
        #: New passages (as chunk rows) of the documents whose passages changed.
        self._rebuild: dict[uuid.UUID, list[dict[str, Any]]] = {}
        #: Vectors computed in this run, by text hash (texts the org had no vector for).
        self._vectors: dict[bytes, Vector] = {}

    def event_time(self, row: D) -> datetime | None:
        return row.occurred_at

    def values(self, row: D, refs: Resolved) -> dict[str, Any]:
        body = transcript_body(row.turns) if row.turns else (row.body or "")
        return {
            "kind": row.kind,
            "title": row.title,
            "account_id": refs.id("account"),
            "occurred_at": row.occurred_at,
            "duration_seconds": row.duration_seconds,
            "body": body,
            "custom": row.custom,
        }

    async def before_write(
        self, conn: AsyncConnection, ctx: ImportContext, items: Sequence[Item[D]]
    ) -> None:
        self._rebuild, self._vectors = {}, {}  # this batch's only
        passages = {item.id: passages_of(item.row) for item in items}
        stored, unembedded = await _stored_signatures(conn, ctx.org_id, list(passages))
        embedding = ctx.embedder is not None
        rebuild = [
            item
            for item in items
            if stored.get(item.id) != signature(passages[item.id])
            or (embedding and item.id in unembedded)
        ]
        texts = sorted({p.text for item in rebuild for p in passages[item.id]})
        # The hash of each text that will have a stored vector (every text, with an embedder).
        keys: dict[str, bytes] = {}
        if embedding and texts:
            keys = {text: passage_hash(text) for text in texts}
            known = await _stored_hashes(conn, ctx.org_id, list(keys.values()))
            vectors = await _embed(ctx, [text for text in texts if keys[text] not in known])
            self._vectors = {keys[text]: vector for text, vector in vectors.items()}
        for item in rebuild:
            self._rebuild[item.id] = [
                {
                    "org_id": ctx.org_id,
                    "id": uuid.uuid4(),
                    "document_id": item.id,
                    "ordinal": ordinal,
                    "kind": item.values["kind"],
                    "account_id": item.values["account_id"],
                    "occurred_at": item.values["occurred_at"],
                    "speaker": passage.speaker,
                    "start_seconds": passage.start_seconds,
                    "text": passage.text,
                    "text_hash": keys.get(passage.text),
                }
                for ordinal, passage in enumerate(passages[item.id])
            ]

    async def after_write(
        self, conn: AsyncConnection, ctx: ImportContext, items: Sequence[Item[D]]
    ) -> set[uuid.UUID]:
        rebuilt = list(self._rebuild)
        replaced: set[bytes] = set()  # vectors of the passages being replaced
        for batch in batched(rebuilt, _BATCH):
            result = await conn.execute(
                delete(_CHUNKS)
                .where(
                    _CHUNKS.c.org_id == ctx.org_id, _CHUNKS.c.document_id == any_(uuid_array(batch))
                )
                .returning(_CHUNKS.c.text_hash)
            )
            replaced.update(key for (key,) in result if key is not None)
        vectors = [
            {"org_id": ctx.org_id, "text_hash": key, "embedding": vector}
            for key, vector in self._vectors.items()
        ]
        for chunk in batched(vectors, 1_000):
            await conn.execute(pg_insert(_VECTORS).values(list(chunk)).on_conflict_do_nothing())
        rows = [row for chunk_rows in self._rebuild.values() for row in chunk_rows]
        for chunk in batched(rows, MAX_PARAMETERS // 12):
            await conn.execute(insert(_CHUNKS).values(list(chunk)))
        await _delete_unused_vectors(conn, ctx.org_id, sorted(replaced))
        kept = [item.id for item in items if item.id not in self._rebuild]
        for batch in batched(kept, _BATCH):
            await _copy_document_columns(conn, ctx.org_id, batch)
        # Passages follow from the document's fields; rebuilding them is not a change of its own.
        return set()


class DocumentSpec(PassageSpec[DocumentRow]):
    """``documents.jsonl``: transcripts and KB articles in our format."""

    file = "documents.jsonl"
    model = DocumentRow

    def refs(self, row: DocumentRow) -> list[Ref]:
        refs = optional_ref("account", "account", row.account)
        for index, participant in enumerate(row.participants):
            if participant.user is not None:
                refs.append(Ref(f"participants[{index}].user", "user", participant.user))
            if participant.person is not None:
                refs.append(Ref(f"participants[{index}].person", "person", participant.person))
        return refs

    def members(self, row: DocumentRow, refs: Resolved) -> dict[str, ChildRows]:
        people: ChildRows = {}
        for index, participant in enumerate(row.participants):
            if participant.user is not None:
                people[(refs.target(f"participants[{index}].user").id, None)] = ()
            else:
                people[(None, refs.target(f"participants[{index}].person").id)] = ()
        return {"participants": people}


async def _stored_signatures(
    conn: AsyncConnection, org_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> tuple[dict[uuid.UUID, Signature], set[uuid.UUID]]:
    """Stored passages per document, and the documents with a passage lacking a vector."""
    signatures: dict[uuid.UUID, Signature] = defaultdict(list)
    unembedded: set[uuid.UUID] = set()
    for batch in batched(ids, _BATCH):
        result = await conn.execute(
            select(
                _CHUNKS.c.document_id,
                _CHUNKS.c.ordinal,
                _CHUNKS.c.speaker,
                _CHUNKS.c.start_seconds,
                func.md5(_CHUNKS.c.text),
                _CHUNKS.c.text_hash.is_(None),
            )
            .where(_CHUNKS.c.org_id == org_id, _CHUNKS.c.document_id == any_(uuid_array(batch)))
            .order_by(_CHUNKS.c.document_id, _CHUNKS.c.ordinal)
        )
        for document_id, ordinal, speaker, start, digest, missing in result:
            signatures[document_id].append((ordinal, speaker, start, digest))
            if missing:
                unembedded.add(document_id)
    return dict(signatures), unembedded


def _hash_array(values: Sequence[bytes]) -> ColumnElement[list[bytes]]:
    """One ``bytea[]`` parameter, for ``text_hash = ANY(…)``."""
    return bindparam(
        None, list(values), type_=cast("TypeEngine[list[bytes]]", ARRAY(LargeBinary()))
    )


async def _stored_hashes(
    conn: AsyncConnection, org_id: uuid.UUID, keys: Sequence[bytes]
) -> set[bytes]:
    """Those of ``keys`` the org already has a vector for (any document's passage)."""
    stored: set[bytes] = set()
    for batch in batched(keys, _BATCH):
        result = await conn.execute(
            select(_VECTORS.c.text_hash).where(
                _VECTORS.c.org_id == org_id, _VECTORS.c.text_hash == any_(_hash_array(batch))
            )
        )
        stored.update(key for (key,) in result)
    return stored


async def _delete_unused_vectors(
    conn: AsyncConnection, org_id: uuid.UUID, keys: Sequence[bytes]
) -> None:
    """Remove those of ``keys`` that no passage of the org points at any more."""
    for batch in batched(keys, _BATCH):
        in_use = exists().where(
            _CHUNKS.c.org_id == _VECTORS.c.org_id, _CHUNKS.c.text_hash == _VECTORS.c.text_hash
        )
        await conn.execute(
            delete(_VECTORS).where(
                _VECTORS.c.org_id == org_id,
                _VECTORS.c.text_hash == any_(_hash_array(batch)),
                ~in_use,
            )
        )


async def _embed(ctx: ImportContext, texts: Sequence[str]) -> dict[str, Vector]:
    """Embed ``texts`` in batches off the event loop, with an "Embedding N passages" bar."""
    embedder = ctx.embedder
    if embedder is None or not texts:
        return {}
    bar = ctx.progress.task(f"Embedding {len(texts)} passages", len(texts))
    vectors: dict[str, Vector] = {}
    for batch in batched(texts, EMBED_BATCH):
        matrix = await asyncio.to_thread(embedder.embed, list(batch))
        vectors.update(zip(batch, matrix, strict=True))
        bar.advance(len(batch))
    bar.finish()
    ctx.report.passages_embedded += len(texts)
    return vectors


async def _copy_document_columns(
    conn: AsyncConnection, org_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> None:
    """Passages carry their document's account, kind and time (for filtering in the scan)."""
    differs: ColumnElement[bool] = or_(
        _CHUNKS.c.account_id.is_distinct_from(_DOCUMENTS.c.account_id),
        _CHUNKS.c.kind != _DOCUMENTS.c.kind,
        _CHUNKS.c.occurred_at != _DOCUMENTS.c.occurred_at,
    )
    await conn.execute(
        update(_CHUNKS)
        .where(
            _CHUNKS.c.org_id == org_id,
            _DOCUMENTS.c.org_id == _CHUNKS.c.org_id,
            _DOCUMENTS.c.id == _CHUNKS.c.document_id,
            _DOCUMENTS.c.id == any_(uuid_array(ids)),
            differs,
        )
        .values(
            account_id=_DOCUMENTS.c.account_id,
            kind=_DOCUMENTS.c.kind,
            occurred_at=_DOCUMENTS.c.occurred_at,
        )
    )
