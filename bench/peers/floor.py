"""Peer 1, the floor: peer 2's statements timed on one connection, nothing else around them."""

from __future__ import annotations

from typing import Any

from accountlens.config import Settings
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

#: The server's candidate cap (the harness starts it with the default): the floor reads what
#: the tool reads.
SEARCH_CAP = Settings(_env_file=None).search_candidate_cap


def floor_runner(label: str, caller: Caller, facts: dict[str, Any]) -> Runner | None:
    """The floor's statement for one call of the peers step, or None for the others."""
    if label == "list accounts":
        return lambda c: c.fetch(accounts_sql(caller), *caller.args(), 26)
    if label.startswith("search"):
        query = " ".join(facts["search_queries"][label].split())
        args = search_args(caller, query, SEARCH_CAP)
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
