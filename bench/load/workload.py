"""The fixed mix of tool calls: the four SPEC §1 questions plus everyday reads, per user class.

IDs and names differ per user (a narrow book sees three accounts), so each user's calls are
built from what that user can see, discovered through the same MCP endpoint before timing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.load.mcp_client import call_tool

#: User class -> (demo email, role). Every class of SPEC §4 that reads differently.
USERS: dict[str, tuple[str, str]] = {
    "admin": ("ada@northwind.example", "admin"),
    "restricted member (team book)": ("grace@northwind.example", "member"),
    "restricted member (narrow book)": ("katherine@northwind.example", "member"),
    "open-org member": ("niels@contoso.example", "member"),
}

SEMANTIC_QUERIES = (
    "worried about the renewal price",
    "customer wants single sign-on before rolling out",
    "dashboards are slow to load",
    "who owns the budget decision",
    "competitor offered a discount",
)


@dataclass(frozen=True)
class Call:
    """One timed call: a label for the report, the tool, and its arguments."""

    label: str
    tool: str
    arguments: dict[str, Any]


@dataclass
class UserMix:
    user_class: str
    email: str
    role: str
    token: str
    calls: list[Call] = field(default_factory=list)
    #: What the floor needs to answer the same questions (ids and names found in discovery).
    facts: dict[str, Any] = field(default_factory=dict)


def _ids(result: dict[str, Any] | None) -> list[str]:
    records = (result or {}).get("records") or (result or {}).get("results") or []
    return [r["id"] for r in records if isinstance(r, dict) and "id" in r]


async def _first_account(http: httpx.AsyncClient, token: str, query: str) -> tuple[str, str]:
    """The best visible account for ``query``, else the first visible account."""
    found = await call_tool(
        http, token, "search_objects", {"query": query, "types": ["account"], "limit": 1}
    )
    hits = (found.structured or {}).get("records") or []
    if hits:
        return hits[0]["id"], hits[0].get("name", query)
    listed = await call_tool(http, token, "list_objects", {"object_type": "account", "limit": 1})
    record = (listed.structured or {})["records"][0]
    return record["id"], record["name"]


async def build_mix(http: httpx.AsyncClient, mix: UserMix) -> UserMix:
    """Fill ``mix.calls`` for one user: every call answers for that user."""
    token = mix.token
    acme_id, acme_name = await _first_account(http, token, "Acme Corp")
    globex_id, globex_name = await _first_account(http, token, "Globex")
    tickets = await call_tool(http, token, "list_objects", {"object_type": "ticket"})
    ticket_ids = _ids(tickets.structured)[:25]
    mix.facts = {"acme": acme_id, "acme_name": acme_name, "globex_name": globex_name,
                 "ticket_ids": ticket_ids, "globex": globex_id}  # fmt: skip
    open_big = [
        {"field": "stage_category", "op": "eq", "value": "open"},
        {"field": "amount", "op": "gt", "value": 50000},
        {"field": "close_date", "op": "eq", "value": "this_quarter"},
    ]
    mix.calls = [
        Call("Q1 account_timeline 30d", "account_timeline",
             {"account": acme_id, "since": "-30d"}),
        Call("Q2 open opps > $50k this quarter", "list_objects", {
            "object_type": "opportunity", "filters": open_big,
            "sort": [{"field": "amount", "direction": "desc"}]}),
        Call("Q3 champions at an account", "list_objects", {
            "object_type": "person", "filters": [
                {"field": "account.name", "op": "eq", "value": globex_name},
                {"field": "persona", "op": "eq", "value": "champion"}]}),
        Call("Q4 tickets of At Risk accounts", "list_objects", {
            "object_type": "ticket",
            "filters": [{"field": "account.segment", "op": "eq", "value": "At Risk"}],
            "sort": [{"field": "opened_at", "direction": "desc"}]}),
        Call("list accounts", "list_objects", {"object_type": "account"}),
        Call("list activities", "list_objects", {"object_type": "activity"}),
        Call("search (typo)", "search_objects", {"query": "acme crop"}),
        Call("search (word)", "search_objects", {"query": "renewal"}),
        Call("get 25 tickets", "get_objects", {"ids": ticket_ids}),
        Call("get account + related", "get_objects",
             {"ids": [acme_id], "include": ["people", "opportunities"]}),
        Call("semantic_search", "semantic_search", {"query": SEMANTIC_QUERIES[0]}),
        Call("product_usage 90d weekly", "get_product_usage",
             {"id": acme_id, "since": "-90d", "interval": "week"}),
    ]  # fmt: skip
    return mix
