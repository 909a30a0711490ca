"""Peer 1, the floor: peer 2's statements timed on one connection, nothing else around them."""

from __future__ import annotations

from typing import Any

from bench.peers.search import search_args, search_sql
from bench.peers.sql import (
    Caller,
    Runner,
    Window,
    accounts_sql,
    tickets_sql,
    timeline_args,
    timeline_sql,
    usage_args,
    usage_sql,
    uuid_of,
)


def floor_runner(label: str, caller: Caller, facts: dict[str, Any]) -> Runner | None:
    """The floor's statement for one call of the peers step, or None for the others."""
    if label == "list accounts":
        return lambda c: c.fetch(accounts_sql(caller), *caller.args(), 26)
    if label.startswith("search"):
        args = search_args(caller, " ".join(facts["search_queries"][label].split()))
        return lambda c: c.fetch(search_sql(caller), *args)
    if label == "get 25 tickets":
        ids = [uuid_of(i) for i in facts["ticket_ids"]]
        return lambda c: c.fetch(tickets_sql(caller), *caller.args(), ids)
    acme = uuid_of(facts["acme"])
    if label.startswith("Q1"):
        return lambda c: c.fetch(
            timeline_sql(caller), *timeline_args(caller, acme, Window.last_days(caller, 30))
        )
    if label.startswith("product_usage"):
        return lambda c: c.fetch(
            usage_sql(caller), *usage_args(caller, acme, Window.last_days(caller, 90), "week")
        )
    return None
