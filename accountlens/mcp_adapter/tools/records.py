"""``list_objects`` and ``get_objects``: records of one type with filters, and records by ID."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import Field

from accountlens.mcp_adapter.budget import fit
from accountlens.mcp_adapter.catalog import DEFAULT_FIELDS, LIST_TYPES, NODE_TYPES, FieldInfo
from accountlens.mcp_adapter.compile import FieldChoice
from accountlens.mcp_adapter.errors import ToolInputError, unknown
from accountlens.mcp_adapter.runtime import Runtime, page_size
from accountlens.mcp_adapter.shape import Page, page_of, plain, record
from accountlens.mcp_adapter.tools.models import (
    Answer,
    FilterArg,
    ObjectType,
    SortArg,
    no_visible_match,
    page_payload,
)
from accountlens.schema.ids import decode_id

MAX_IDS = 50


def filter_values(filters: list[FilterArg] | None) -> list[dict[str, Any]] | None:
    if not filters:
        return None
    # GraphQL enum values are UPPER_CASE; the tools' arguments are lowercase.
    return [{"field": f.field, "op": f.op.upper(), "value": f.value} for f in filters]


def sort_values(sort: list[SortArg] | None) -> list[dict[str, Any]] | None:
    if not sort:
        return None
    return [{"field": s.field, "direction": s.direction.upper()} for s in sort]


def check_custom(
    runtime: Runtime, graphql_type: str, choice: FieldChoice, properties: list[dict[str, Any]]
) -> None:
    """Names that were neither schema fields nor custom fields of the type are an error."""
    custom_keys = {p["key"] for p in properties if p.get("isCustom")}
    for name in choice.custom:
        if name not in custom_keys:
            known = list(runtime.compiler.catalog.fields(graphql_type))
            raise unknown("field", name, [*known, *sorted(custom_keys)], argument="fields")


async def list_objects(
    runtime: Runtime,
    ctx: Context[Any],
    object_type: ObjectType,
    filters: list[FilterArg] | None,
    sort: list[SortArg] | None,
    fields: list[str] | None,
    limit: int | None,
    cursor: str | None,
) -> dict[str, Any]:
    root_field, graphql_type = LIST_TYPES[object_type]
    compiler = runtime.compiler
    choice = compiler.choose(graphql_type, fields, DEFAULT_FIELDS[object_type])
    ds = compiler.dsl

    # Records as one JSON value where every chosen field allows it (no paged related list).
    paths = compiler.record_paths(graphql_type, choice.standard, bool(choice.custom))

    def roots(var: Any) -> list[Any]:
        connection_type = graphql_type + "Connection"
        if paths is not None:
            selection = compiler.json_connection(connection_type, paths)
        else:
            node = compiler.record(graphql_type, choice.standard, bool(choice.custom))
            selection = compiler.connection(connection_type, node)
        found = [
            getattr(ds.Query, root_field)
            .args(filter=var.filter, sort=var.sort, first=var.first, after=var.after)
            .select(*selection)
        ]
        if choice.custom:
            props = ds.Query.properties.args(objectType=var.objectType)
            found.append(props.select(ds.Property.key, ds.Property.isCustom))
        return found

    values: dict[str, Any] = {
        "filter": filter_values(filters),
        "sort": sort_values(sort),
        "first": page_size(limit),
        "after": cursor,
    }
    if choice.custom:
        values["objectType"] = object_type
    shape = (object_type, tuple(choice.standard), bool(choice.custom))
    operation = compiler.operation("ListObjects", roots, shape=shape, values=values)
    data = await runtime.run(ctx, operation)
    if choice.custom:
        check_custom(runtime, graphql_type, choice, data["properties"])
    page = page_of(data[root_field], runtime.base_url, choice.standard, choice.custom)
    extra: dict[str, Any] = {}
    if page.total == 0 and filters:
        extra = await explain_empty(runtime, ctx, object_type, filters)

    def envelope(records: list[dict[str, Any]], next_cursor: str | None, note: str | None) -> Any:
        payload = page_payload(
            object_type,
            page.total,
            records,
            next_cursor,
            note,
            lower_bound=page.total_is_lower_bound,
        )
        if extra.get("note") and not note:
            payload["note"] = extra["note"]
        if extra.get("account"):
            payload["account"] = extra["account"]
        return payload

    hint = "call list_objects again with the same arguments and cursor={cursor!r}"
    return fit(page, runtime.token_budget, envelope, continue_hint=hint)


#: Filter ops that name a record (a model's "at Globex", "named Acme").
_NAMING_OPS = ("eq", "in", "contains", "starts_with")


async def explain_empty(
    runtime: Runtime, ctx: Context[Any], object_type: str, filters: list[FilterArg]
) -> dict[str, Any]:
    """Why a filtered list is empty, when a name in its filters matched nothing visible.

    Without it a model reads ``total: 0`` for "champions at Globex" as "Globex has none", when
    Globex may not be visible to the user at all. Only run for empty answers, so the common
    case costs nothing. Returns ``note`` (no visible record has that name) or ``account``
    (the one visible account the ``account.name`` filter named, as ``{id, name}``).
    """
    checks: list[tuple[str, str, list[dict[str, Any]]]] = []
    account_names = [f for f in filters if f.field == "account.name" and f.op in _NAMING_OPS]
    own_names = [f for f in filters if f.field == "name" and f.op in _NAMING_OPS]
    if account_names:
        checks.append(("account", "accounts", _as_name_filters(account_names)))
    if own_names and object_type != "account":
        root_field, _ = LIST_TYPES[object_type]
        checks.append((object_type, root_field, _as_name_filters(own_names)))
    elif own_names:
        checks.append(("account", "accounts", _as_name_filters(own_names)))
    if not checks:
        return {}
    ds = runtime.compiler.dsl

    def roots(var: Any) -> list[Any]:
        found = []
        for index, (type_key, root_field, _) in enumerate(checks):
            graphql_type = LIST_TYPES[type_key][1]
            node = getattr(ds, graphql_type)
            connection = getattr(ds, graphql_type + "Connection")
            found.append(
                getattr(ds.Query, root_field)
                .args(filter=getattr(var, f"f{index}"), first=2)
                .alias(f"c{index}")
                .select(connection.totalCount, connection.nodes.select(node.id, node.displayName))
            )
        return found

    values = {f"f{i}": names for i, (_, _, names) in enumerate(checks)}
    shape = tuple(t for t, _, _ in checks)
    operation = runtime.compiler.operation("ExplainEmpty", roots, shape=shape, values=values)
    data = await runtime.run(ctx, operation)
    for index, (type_key, _, names) in enumerate(checks):
        found = data[f"c{index}"]
        if not found["totalCount"]:
            first = names[0]
            return {"note": no_visible_match(type_key, "name", first["value"], first["op"].lower())}
    account = data["c0"]
    if checks[0][0] == "account" and account_names and account["totalCount"] == 1:
        return {"account": plain(account["nodes"][0])}
    return {}


def _as_name_filters(filters: list[FilterArg]) -> list[dict[str, Any]]:
    return [{"field": "name", "op": f.op.upper(), "value": f.value} for f in filters]


class RecordSet(Answer):
    """Records fetched by ID, in the order asked, and the IDs that were not found."""

    total: int = Field(description="How many of the IDs were found.")
    count: int = Field(description="How many records this answer holds.")
    records: list[dict[str, Any]]
    not_found: list[str] = Field(
        description="IDs that do not exist or that you may not see (the two look the same)."
    )
    note: str | None = None


Ids = Annotated[list[str], Field(description="Up to 50 record IDs (acc_…, per_…, opp_…, …).")]
Include = Annotated[
    list[str] | None,
    Field(
        description=(
            "Related lists to add (up to 5 each), e.g. people, opportunities, tickets, "
            "activities, tasks, projects, comments, timeline."
        ),
        max_length=10,
    ),
]


def _detail_fields(runtime: Runtime, graphql_type: str, include: set[str]) -> list[FieldInfo]:
    """Every unpaged field of the type (full details) and the related lists asked for."""
    fields = runtime.compiler.catalog.fields(graphql_type)
    return [f for f in fields.values() if not f.paged or f.name in include]


async def get_objects(
    runtime: Runtime,
    ctx: Context[Any],
    ids: list[str],
    fields: list[str] | None,
    include: list[str] | None,
) -> dict[str, Any]:
    if not ids:
        raise ToolInputError("give at least one ID", argument="ids")
    if len(ids) > MAX_IDS:
        raise ToolInputError(f"at most {MAX_IDS} IDs per call, got {len(ids)}", argument="ids")
    compiler = runtime.compiler
    wanted = set(include or ())
    by_type: dict[str, tuple[list[FieldInfo], bool]] = {}
    for value in ids:
        decoded = decode_id(value)
        graphql_type = NODE_TYPES.get(decoded[0]) if decoded else None
        if graphql_type is None or graphql_type in by_type:
            continue
        if fields:
            known = compiler.catalog.fields(graphql_type)
            chosen = [known[f] for f in fields if f in known]
            by_type[graphql_type] = (chosen, True)
        else:
            by_type[graphql_type] = (_detail_fields(runtime, graphql_type, wanted), False)
    _check_names(runtime, by_type, wanted)
    if not by_type:
        return {"total": 0, "count": 0, "records": [], "not_found": list(ids)}
    ds = compiler.dsl
    # Each record as one JSON value, unless a type's fields include a paged related list.
    paths = {t: compiler.record_paths(t, chosen, custom) for t, (chosen, custom) in by_type.items()}
    as_json = all(p is not None for p in paths.values())

    # Every record as one value of one root field (its type's paths), read through the same
    # resolvers: graphql-core then completes one JSON leaf, not each record as a Node. The
    # paths travel as a variable, so repeated calls share one document.
    by_type_paths = [{"type": t, "fields": p} for t, p in paths.items()] if as_json else []

    def roots(var: Any) -> list[Any]:
        if as_json:
            return [ds.Query.nodesAsJson.args(ids=var.ids, fields=var.fields)]
        fragments = compiler.node_fragments(by_type)
        return [ds.Query.nodes.args(ids=var.ids).select(ds.Node.id, *fragments)]

    shape = tuple((t, tuple(chosen), custom) for t, (chosen, custom) in by_type.items())
    values: dict[str, Any] = {"ids": ids}
    if as_json:
        values["fields"] = by_type_paths
    operation = compiler.operation("GetObjects", roots, shape=shape, values=values)
    data = await runtime.run(ctx, operation)
    # asJson answers under the fields' own names: aliases only matter to typed fragments.
    aliases = {} if as_json else compiler.aliases_for(by_type)
    found = data["nodesAsJson"] if as_json else data["nodes"]
    records, missing = [], []
    for asked, node in zip(ids, found, strict=True):
        if node is None:
            missing.append(asked)
            continue
        graphql_type = NODE_TYPES[str(node["objectType"])]
        chosen, _ = by_type[graphql_type]
        custom = list(fields) if fields else []
        records.append(record(node, runtime.base_url, chosen, custom, aliases.get(graphql_type)))
    page = Page(records, [None] * len(records), len(records), None)

    def envelope(kept: list[dict[str, Any]], _: str | None, note: str | None) -> Any:
        payload: dict[str, Any] = {"total": len(records), "count": len(kept), "records": kept}
        payload["not_found"] = missing
        if note:
            payload["note"] = note + " Ask for fewer IDs per call."
        return payload

    return fit(page, runtime.token_budget, envelope, continue_hint="")


def _check_names(
    runtime: Runtime, by_type: dict[str, tuple[list[FieldInfo], bool]], include: set[str]
) -> None:
    """Related lists in ``include`` that none of the requested types has are errors."""
    catalog = runtime.compiler.catalog
    paged = {n for t in by_type for n, f in catalog.fields(t).items() if f.paged}
    for name in sorted(include):
        if name not in paged:
            raise unknown("related list", name, sorted(paged), argument="include")
