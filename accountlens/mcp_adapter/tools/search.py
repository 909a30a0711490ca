"""``search_objects`` (keyword, all types) and ``semantic_search`` (transcripts and KB)."""

from __future__ import annotations

import functools
from typing import Any, Literal

from graphql import GraphQLInterfaceType, GraphQLObjectType
from mcp.server.mcpserver import Context
from pydantic import Field

from accountlens.mcp_adapter.budget import fit
from accountlens.mcp_adapter.catalog import NODE_TYPES, FieldInfo
from accountlens.mcp_adapter.compile import Compiler
from accountlens.mcp_adapter.errors import ToolInputError
from accountlens.mcp_adapter.runtime import Runtime, page_size
from accountlens.mcp_adapter.shape import Page, plain, record, record_url, utc
from accountlens.mcp_adapter.tools.models import Answer, no_visible_match, page_payload
from accountlens.object_types import ACCOUNT_ATTACHED

MAX_QUERY = 200
#: Types whose hits also show the account they belong to.
_WITH_ACCOUNT = tuple(NODE_TYPES[key] for key in ACCOUNT_ATTACHED)


@functools.cache
def _hit_fields(compiler: Compiler) -> tuple[dict[str, list[str]], dict[str, list[FieldInfo]]]:
    """What a hit shows of its record, per record type (the ``fields`` of ``hitsAsJson``).

    Every type a hit can be: its ``id``, ``objectType``, ``displayName`` and ``updatedAt``,
    and for a type on an account that account (``id``, ``objectType``, ``displayName``); with
    the account field of each such type, which the record's shaping names.
    """
    schema = compiler.catalog.schema
    node = schema.get_type("Node")
    assert isinstance(node, GraphQLInterfaceType)
    account_field = {t: [compiler.catalog.fields(t)["account"]] for t in _WITH_ACCOUNT}
    paths: dict[str, list[str]] = {}
    for graphql_type in dict.fromkeys(NODE_TYPES.values()):
        type_ = schema.get_type(graphql_type)
        if not isinstance(type_, GraphQLObjectType) or not schema.is_sub_type(node, type_):
            continue
        found = compiler.record_paths(graphql_type, account_field.get(graphql_type, []), False)
        assert found is not None  # an account is a reference, never a paged list
        paths[graphql_type] = found
    return paths, account_field


def _query_text(query: str) -> str:
    text = query.strip()
    if not text:
        raise ToolInputError("query must not be empty", argument="query")
    if len(text) > MAX_QUERY:
        raise ToolInputError(f"query longer than {MAX_QUERY} characters", argument="query")
    return text


async def search_objects(
    runtime: Runtime,
    ctx: Context[Any],
    query: str,
    types: list[str] | None,
    limit: int | None,
    cursor: str | None,
) -> dict[str, Any]:
    compiler = runtime.compiler
    ds = compiler.dsl

    def roots(var: Any) -> list[Any]:
        return [
            ds.Query.search.args(
                query=var.query, types=var.types, first=var.first, after=var.after
            ).select(
                ds.SearchConnection.totalCount,
                ds.SearchConnection.totalIsLowerBound,
                ds.SearchConnection.pageInfo.select(ds.PageInfo.hasNextPage, ds.PageInfo.endCursor),
                ds.SearchConnection.hitsAsJson.args(fields=var.fields),
            )
        ]

    hit_fields, account_field = _hit_fields(compiler)
    values = {
        "query": _query_text(query),
        "types": types or None,
        "first": page_size(limit),
        "after": cursor,
        "fields": hit_fields,
    }
    operation = compiler.operation("SearchObjects", roots, values=values)
    data = (await runtime.run(ctx, operation))["search"]
    records = []
    for found in data["hitsAsJson"]:
        node = found["node"]
        graphql_type = NODE_TYPES.get(str(node.get("objectType")), "")
        fields = account_field.get(graphql_type, [])
        shaped = record(node, runtime.base_url, fields)
        shaped["matched"] = found["matched"]
        shaped["score"] = round(float(found["score"]), 3)
        records.append(shaped)
    info = data["pageInfo"]
    # Hits carry no cursor of their own: shortening keeps the page's cursor out of reach.
    page = Page(
        records,
        [None] * len(records),
        int(data["totalCount"]),
        info["endCursor"] if info["hasNextPage"] else None,
        total_is_lower_bound=bool(data["totalIsLowerBound"]),
    )

    def envelope(kept: list[dict[str, Any]], next_cursor: str | None, note: str | None) -> Any:
        return page_payload(
            None, page.total, kept, next_cursor, note, lower_bound=page.total_is_lower_bound
        )

    return fit(page, runtime.token_budget, envelope, continue_hint="")


class Passages(Answer):
    """Passages that best match the question, best first."""

    count: int
    strategy: str = Field(description="How the passages were ranked: exact, hnsw or keyword.")
    passages: list[dict[str, Any]] = Field(
        description="text, speaker, timestamp, document, date, account and a deep link."
    )
    account: dict[str, Any] | None = Field(
        default=None,
        description="With account_id and no passages: the account searched, {id, name}.",
    )
    note: str | None = None


SearchModeName = Literal["hybrid", "vector", "keyword"]


async def semantic_search(
    runtime: Runtime,
    ctx: Context[Any],
    query: str,
    account_id: str | None,
    kinds: list[Literal["transcript", "kb_article"]] | None,
    since: str | None,
    until: str | None,
    limit: int | None,
    mode: SearchModeName,
) -> dict[str, Any]:
    size = limit if limit is not None else 10
    if not 1 <= size <= 50:
        raise ToolInputError(f"limit must be between 1 and 50, got {size}", argument="limit")
    compiler = runtime.compiler
    ds = compiler.dsl
    p = ds.Passage

    def roots(var: Any) -> list[Any]:
        return [ds.Query.semanticSearch.args(
            query=var.query, accountId=var.accountId, kinds=var.kinds, since=var.since,
            until=var.until, first=var.first, mode=var.mode,
        ).select(
            ds.SemanticResults.strategy,
            ds.SemanticResults.passages.select(
                p.id, p.text, p.speaker, p.startSeconds, p.timestamp, p.occurredAt, p.kind,
                p.documentTitle, p.documentId, p.score,
                p.account.select(ds.Account.id, ds.Account.objectType, ds.Account.displayName),
            ),
        )]  # fmt: skip

    values = {
        "query": _query_text(query),
        "accountId": account_id,
        "kinds": kinds,
        "since": since,
        "until": until,
        "first": size,
        "mode": mode.upper(),
    }
    operation = compiler.operation("SemanticSearch", roots, values=values)
    data = (await runtime.run(ctx, operation))["semanticSearch"]
    passages = [_passage(runtime.base_url, raw) for raw in data["passages"]]
    page = Page(passages, [None] * len(passages), len(passages), None)
    extra: dict[str, Any] = {}
    if not passages and account_id:
        extra = await _account_of(runtime, ctx, account_id)

    def envelope(kept: list[dict[str, Any]], _: str | None, note: str | None) -> Any:
        payload: dict[str, Any] = {"count": len(kept), "strategy": data["strategy"]}
        payload["passages"] = kept
        payload |= extra
        if note:
            payload["note"] = note
        return payload

    return fit(page, runtime.token_budget, envelope, continue_hint="")


def _passage(base_url: str, raw: dict[str, Any]) -> dict[str, Any]:
    url = record_url(base_url, raw["documentId"])
    if raw.get("startSeconds") is not None:
        url += f"#t={raw['startSeconds']}"
    out: dict[str, Any] = {
        "document": {"id": raw["documentId"], "title": raw["documentTitle"], "kind": raw["kind"]},
        "date": utc(raw["occurredAt"]),
        "speaker": raw.get("speaker"),
        "timestamp": raw.get("timestamp"),
        "text": raw["text"],
        "account": plain(raw.get("account")),
        "score": round(float(raw["score"]), 4),
        "url": url,
    }
    return {k: v for k, v in out.items() if v is not None}


async def _account_of(runtime: Runtime, ctx: Context[Any], account_id: str) -> dict[str, Any]:
    """For an empty answer scoped to ``account_id``: the account (``{id, name}``) when the
    caller sees it, else a note that reads the same whether it is hidden or does not exist."""
    ds = runtime.compiler.dsl

    def roots(var: Any) -> list[Any]:
        return [
            ds.Query.node.args(id=var.id).select(
                ds.Node.id, ds.Node.objectType, ds.Node.displayName
            )
        ]

    operation = runtime.compiler.operation("AccountOf", roots, values={"id": account_id})
    node = (await runtime.run(ctx, operation))["node"]
    if node is None or node.get("objectType") != "account":
        return {"note": no_visible_match("account", "id", account_id)}
    return {"account": plain(node)}
