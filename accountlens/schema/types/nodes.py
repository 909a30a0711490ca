"""Global-ID lookups: ``node(id)`` and ``nodes(ids)`` over every fetchable type."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from accountlens.schema.ids import decode_id
from accountlens.schema.types.base import AppInfo, Node
from accountlens.schema.types.crm import (
    Account,
    Activity,
    CustomObject,
    Document,
    Opportunity,
    Person,
    Ticket,
)
from accountlens.schema.types.org import CustomObjectType, Group, Team, User
from accountlens.schema.types.work import Project, Task, TaskComment

NODE_TYPES: dict[str, type[Node]] = {
    cls.TYPE_KEY: cls
    for cls in (
        Account,
        Person,
        Opportunity,
        Activity,
        Ticket,
        CustomObject,
        CustomObjectType,
        Document,
        Group,
        Team,
        User,
        Project,
        Task,
        TaskComment,
    )
}

MAX_NODES = 100


async def fetch_node(info: AppInfo, global_id: str) -> Node | None:
    """The record behind an ID, or ``None`` for malformed, foreign, invisible or missing IDs."""
    decoded = decode_id(global_id)
    if decoded is None or decoded[0] not in NODE_TYPES:
        return None
    cls = NODE_TYPES[decoded[0]]
    row = await info.context.loaders.record(cls.TYPE_KEY).load(decoded[1])
    return None if row is None else cls.from_row(row)


async def fetch_nodes(info: AppInfo, global_ids: Sequence[str]) -> list[Node | None]:
    """Many IDs of mixed types: one batched statement per type, results in input order."""
    return list(await asyncio.gather(*(fetch_node(info, i) for i in global_ids)))
