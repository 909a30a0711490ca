"""Timeline events: what happened on an account, pointing at the record to open."""

from __future__ import annotations

from datetime import datetime

import strawberry

from accountlens.resolvers.reader import Row
from accountlens.schema.ids import encode_id
from accountlens.schema.types.base import AppInfo, Node, field


@strawberry.type(description="Something that happened on an account.")
class TimelineEvent:
    kind: str = strawberry.field(description="activity, ticket, task, opportunity or meeting.")
    at: datetime
    title: str
    detail: str | None
    record_id: strawberry.ID = strawberry.field(
        description="The record to open (for opportunity moves: the opportunity)."
    )
    object_type: str = strawberry.field(
        description="The type of that record: activity, ticket, task, opportunity or document."
    )
    updated_at: datetime = strawberry.field(description="When that record last changed.")

    @field("The record itself.")
    async def node(self, info: AppInfo) -> Node | None:
        from accountlens.schema.types.nodes import fetch_node  # nodes import this module

        return await fetch_node(info, self.record_id)

    @classmethod
    def of(cls, event: Row) -> TimelineEvent:
        return cls(
            kind=event["kind"],
            at=event["at"],
            title=event["title"],
            detail=event["detail"],
            record_id=strawberry.ID(encode_id(event["type_key"], event["ref_id"])),
            object_type=event["type_key"],
            updated_at=event["updated_at"],
        )
