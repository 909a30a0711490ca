"""Root fields beyond plain lists: keyword search, usage, timeline and semantic search."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime
from enum import Enum
from inspect import isawaitable
from typing import cast

import strawberry
from strawberry.scalars import JSON

from accountlens.resolvers import search as keyword
from accountlens.resolvers import semantic, timeline, usage
from accountlens.resolvers.reader import Row
from accountlens.schema.errors import NotFoundError
from accountlens.schema.ids import decode_as, decode_id, encode_id
from accountlens.schema.inputs import wants_total
from accountlens.schema.json_view import json_field, nodes_as_json, paths_by_type
from accountlens.schema.types.base import AppInfo, Node, PageInfo, field, load_node
from accountlens.schema.types.crm import Account, Document
from accountlens.schema.types.events import TimelineEvent
from accountlens.schema.types.nodes import NODE_TYPES


@strawberry.type(description="One keyword-search match.")
class SearchHit:
    score: float = strawberry.field(description="Relevance; higher is better.")
    matched: str = strawberry.field(description="The name or key field that matched.")
    node: Node


@strawberry.type(
    description="Ranked keyword-search results with their total (exact unless totalIsLowerBound)."
)
class SearchConnection:
    hits: list[SearchHit]
    page_info: PageInfo
    page: strawberry.Private[keyword.HitPage]

    @field(
        "The hits as one JSON value: each hit's `score`, `matched` and `node`, the record with "
        "the paths its type is given in `fields` (an object: record type name → dotted paths, "
        "as `asJson` takes them; `{}` for a type not named). The same values as `hits { score "
        "matched node { ... on T { asJson(fields:) } } }`."
    )
    async def hits_as_json(self, info: AppInfo, fields: JSON) -> JSON:
        # ``JSON``, not ``[TypeFields]``: a search names paths for every record type (~90), and
        # coercing that input list cost graphql-core and Strawberry ~1 ms per call; the shape
        # is checked here instead, as strictly.
        nodes = nodes_as_json([hit.node for hit in self.hits], info, paths_by_type(fields))
        if isawaitable(nodes):
            nodes = await nodes
        return cast(
            JSON,
            [
                {"score": float(hit.score), "matched": hit.matched, "node": node}
                for hit, node in zip(self.hits, nodes, strict=True)
            ],
        )

    @field("How many records match in total (at least this many when totalIsLowerBound).")
    async def total_count(self) -> int:
        return (await self.page.count())[0]

    @field(
        "True when a type's matches were read only up to the server's candidate cap: at least "
        "totalCount records match (ACCOUNTLENS_SEARCH_CANDIDATE_CAP)."
    )
    async def total_is_lower_bound(self) -> bool:
        return (await self.page.count())[1]


@strawberry.enum
class UsageInterval(Enum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@strawberry.type(description="Usage counts over a period.")
class UsageTotals:
    events: int
    minutes: int
    active_users: int | None = strawberry.field(
        description="Peak daily active users (accounts only)."
    )

    @classmethod
    def of(cls, totals: usage.Totals) -> UsageTotals:
        return cls(events=totals.events, minutes=totals.minutes, active_users=totals.active_users)


def _account(account_id: strawberry.ID) -> uuid.UUID:
    """The account an ``accountId`` argument names; "not found" for anything else."""
    account = decode_as("account", account_id)
    if account is None:
        raise NotFoundError("no account with that ID", field="accountId")
    return account


def _change(now: int, before: int) -> float | None:
    return None if before == 0 else round((now - before) / before * 100, 1)


@strawberry.type(description="Usage within one day, week or month.")
class UsageBucket:
    start: date
    totals: UsageTotals


@strawberry.type(description="Usage of one feature, now and in the previous window.")
class FeatureUsage:
    feature: str
    current: UsageTotals
    previous: UsageTotals
    events_change_percent: float | None


@strawberry.type(description="Product usage of an account or person over a window.")
class ProductUsage:
    subject_id: strawberry.ID
    start: datetime
    end: datetime
    interval: UsageInterval
    current: UsageTotals
    previous: UsageTotals = strawberry.field(
        description="The window of the same length just before."
    )
    events_change_percent: float | None
    minutes_change_percent: float | None
    buckets: list[UsageBucket]
    features: list[FeatureUsage]
    licensed_seats: int | None
    active_seats: int | None
    subject_row: strawberry.Private[Row | None] = None
    as_json = json_field()

    @field("The account or person the usage is of.")
    def subject(self) -> Node | None:
        row = self.subject_row
        return None if row is None else NODE_TYPES[self.subject_type].from_row(row)

    @property
    def subject_type(self) -> str:
        decoded = decode_id(self.subject_id)
        assert decoded is not None
        return decoded[0]

    @classmethod
    def of(cls, u: usage.Usage) -> ProductUsage:
        return cls(
            subject_id=strawberry.ID(encode_id(u.subject_type, u.subject_id)),
            start=u.window.start,
            end=u.window.end,
            interval=UsageInterval(u.interval),
            current=UsageTotals.of(u.current),
            previous=UsageTotals.of(u.previous),
            events_change_percent=_change(u.current.events, u.previous.events),
            minutes_change_percent=_change(u.current.minutes, u.previous.minutes),
            buckets=[
                UsageBucket(start=b.start, totals=UsageTotals.of(b.totals)) for b in u.buckets
            ],
            features=[
                FeatureUsage(
                    feature=f.feature,
                    current=UsageTotals.of(f.current),
                    previous=UsageTotals.of(f.previous),
                    events_change_percent=_change(f.current.events, f.previous.events),
                )
                for f in u.features
            ],
            licensed_seats=u.licensed_seats,
            active_seats=u.active_seats,
            subject_row=u.subject,
        )


@strawberry.type
class TimelineEdge:
    cursor: str
    node: TimelineEvent


@strawberry.type(description="An account's events, newest first.")
class TimelineConnection:
    edges: list[TimelineEdge]
    page_info: PageInfo
    page: strawberry.Private[timeline.TimelinePage]
    as_json = json_field()

    @field("The events of this page.")
    def nodes(self) -> list[TimelineEvent]:
        return [edge.node for edge in self.edges]

    @field("How many events the window holds in total.")
    async def total_count(self) -> int:
        return await self.page.count()

    @field("The account whose timeline this is.")
    def account(self) -> Account | None:
        return Account.from_row(self.page.account) if self.page.account else None


@strawberry.enum
class SearchMode(Enum):
    HYBRID = "hybrid"
    VECTOR = "vector"
    KEYWORD = "keyword"


@strawberry.type(description="A passage of a transcript or KB article.")
class Passage:
    id: strawberry.ID
    text: str
    speaker: str | None
    start_seconds: int | None
    timestamp: str | None = strawberry.field(description="Position in the recording, m:ss.")
    occurred_at: datetime
    kind: str
    document_title: str
    score: float
    vector_rank: int | None
    keyword_rank: int | None
    document_id: strawberry.ID
    account_id: strawberry.ID | None

    @field("The whole document.")
    async def document(self, info: AppInfo) -> Document | None:
        return await load_node(info, Document, decode_as("document", self.document_id))

    @field("The account the document belongs to.")
    async def account(self, info: AppInfo) -> Account | None:
        return await load_node(info, Account, decode_as("account", self.account_id))

    @classmethod
    def of(cls, p: semantic.Passage) -> Passage:
        c = p.chunk
        return cls(
            id=strawberry.ID(encode_id("chunk", c["id"])),
            text=c["text"],
            speaker=c["speaker"],
            start_seconds=c["start_seconds"],
            timestamp=semantic.timestamp(c["start_seconds"]),
            occurred_at=c["occurred_at"],
            kind=c["kind"],
            document_title=c["document_title"],
            score=round(p.score, 6),
            vector_rank=p.vector_rank,
            keyword_rank=p.keyword_rank,
            document_id=strawberry.ID(encode_id("document", c["document_id"])),
            account_id=strawberry.ID(encode_id("account", c["account_id"]))
            if c["account_id"]
            else None,
        )


@strawberry.type(description="Passages best matching a question, with the strategy used.")
class SemanticResults:
    passages: list[Passage]
    strategy: str = strawberry.field(description="exact, hnsw or keyword.")


@strawberry.type
class AnalyticsQuery:
    @field("Keyword search across names and key fields of all types, ranked, typo-tolerant.")
    async def search(
        self,
        info: AppInfo,
        query: str,
        types: list[str] | None = None,
        first: int | None = 25,
        after: str | None = None,
    ) -> SearchConnection:
        page = await keyword.search(info.context.reader, query, types, first, after)
        # The search read each hit's record (and the records it points at) onto the reader:
        # no statement here. Gathered all the same, so a record it did not hand over would be
        # batched by its type's DataLoader.
        nodes = await asyncio.gather(
            *(load_node(info, NODE_TYPES[hit.type_key], hit.id) for hit in page.hits)
        )
        hits = [
            SearchHit(score=round(hit.score, 4), matched=hit.matched, node=node)
            for hit, node in zip(page.hits, nodes, strict=True)
            if node is not None
        ]
        return SearchConnection(
            hits=hits,
            page_info=PageInfo.of(page.cursors, has_next=page.has_next, has_previous=bool(after)),
            page=page,
        )

    @field("Usage of an account or person: buckets, features, and change vs the prior window.")
    async def product_usage(
        self,
        info: AppInfo,
        id: strawberry.ID,
        since: str | None = None,
        until: str | None = None,
        interval: UsageInterval = UsageInterval.WEEK,
    ) -> ProductUsage:
        decoded = decode_id(id)
        if decoded is None:
            raise NotFoundError("no account or person with that ID", field="id")
        result = await usage.product_usage(
            info.context.reader, decoded[0], decoded[1], since, until, interval.value
        )
        return ProductUsage.of(result)

    @field("Everything that happened on an account in a window, newest first.")
    async def account_timeline(
        self,
        info: AppInfo,
        account_id: strawberry.ID,
        since: str | None = None,
        until: str | None = None,
        kinds: list[str] | None = None,
        first: int | None = 25,
        after: str | None = None,
    ) -> TimelineConnection:
        account = _account(account_id)
        page = await timeline.account_timeline(
            info.context.reader, account, since, until, kinds, first, after, wants_total(info)
        )
        edges = [
            TimelineEdge(
                cursor=cursor,
                node=TimelineEvent.of(e),
            )
            for e, cursor in zip(page.events, page.cursors, strict=True)
        ]
        return TimelineConnection(
            edges=edges,
            page_info=PageInfo.of(page.cursors, has_next=page.has_next, has_previous=bool(after)),
            page=page,
        )

    @field("Hybrid (full-text + vector) search over transcripts and KB articles.")
    async def semantic_search(
        self,
        info: AppInfo,
        query: str,
        account_id: strawberry.ID | None = None,
        kinds: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        first: int = 10,
        mode: SearchMode = SearchMode.HYBRID,
    ) -> SemanticResults:
        account = _account(account_id) if account_id is not None else None
        result = await semantic.semantic_search(
            info.context.reader,
            query,
            info.context.embedder,
            info.context.tuning,
            account_id=account,
            kinds=kinds,
            since=since,
            until=until,
            first=first,
            mode=mode.value,
        )
        return SemanticResults(
            passages=[Passage.of(p) for p in result.passages], strategy=result.strategy
        )
