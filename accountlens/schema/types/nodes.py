"""Global-ID lookups: ``node(id)`` and ``nodes(ids)`` over every fetchable type."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from accountlens.resolvers.narrowing import require_type
from accountlens.schema.ids import decode_id
from accountlens.schema.types.base import AppInfo, Node
from accountlens.schema.types.contracts import Contract
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
        Contract,
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
    """The record behind an ID, or ``None`` for malformed, foreign, invisible or missing IDs.

    An ID of a type the caller's connection was narrowed away from is refused
    (``OUTSIDE_NARROWING``) before anything is read: the type is in the ID, so saying so tells
    the caller nothing about the record, and "not found" would mislead it.
    """
    decoded = decode_id(global_id)
    if decoded is None or decoded[0] not in NODE_TYPES:
        return None
    require_type(info.context.principal, decoded[0])
    cls = NODE_TYPES[decoded[0]]
    row = await info.context.loaders.record(cls.TYPE_KEY).load(decoded[1])
    return None if row is None else cls.from_row(row)


async def fetch_nodes(info: AppInfo, global_ids: Sequence[str]) -> list[Node | None]:
    """Many IDs of mixed types: one batched statement per type, results in input order.

    Any ID of an excluded type refuses the whole call, before anything is read. Every ID's
    read is asked of its type's DataLoader before the first wait (so they batch), and the
    answers are awaited as the loaders' futures: no task per ID.
    """
    decoded = [decode_id(global_id) for global_id in global_ids]
    known = [d if d is not None and d[0] in NODE_TYPES else None for d in decoded]
    for found in known:
        if found is not None:
            require_type(info.context.principal, found[0])
    loaders = info.context.loaders
    futures = [loaders.record(d[0]).load(d[1]) for d in known if d is not None]
    rows = iter(await asyncio.gather(*futures))
    nodes: list[Node | None] = []
    for found in known:
        row = None if found is None else next(rows)
        nodes.append(None if row is None or found is None else NODE_TYPES[found[0]].from_row(row))
    return nodes
