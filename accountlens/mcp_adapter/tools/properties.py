"""``search_properties``, ``list_custom_object_types`` and ``get_custom_object_instances``."""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import Context
from pydantic import Field

from accountlens.mcp_adapter.budget import fit
from accountlens.mcp_adapter.catalog import DEFAULT_FIELDS
from accountlens.mcp_adapter.errors import ToolInputError
from accountlens.mcp_adapter.runtime import Runtime, page_size
from accountlens.mcp_adapter.shape import Page, page_of, plain
from accountlens.mcp_adapter.tools.models import Answer, FilterArg, SortArg, page_payload
from accountlens.mcp_adapter.tools.records import filter_values, sort_values


class PropertyList(Answer):
    """The fields of one object type."""

    object_type: str
    count: int
    properties: list[dict[str, Any]] = Field(
        description=(
            "key, label, data_type, description, allowed_values, is_custom, and filter_field "
            "(the name to use in filters and sorts)."
        )
    )
    note: str | None = None


def _property_fields(runtime: Runtime) -> list[Any]:
    p = runtime.compiler.dsl.Property
    return [
        p.key, p.label, p.description, p.dataType, p.allowedValues, p.isCustom, p.filterable,
        p.sortable, p.filterField,
    ]  # fmt: skip


def _compact_property(raw: dict[str, Any]) -> dict[str, Any]:
    """Drop what is implied: filter_field equal to the key, true flags, empty values."""
    out = plain(raw)
    if out.get("filter_field") == out.get("key"):
        out.pop("filter_field")
    for flag in ("filterable", "sortable"):
        if out.get(flag) is True:
            out.pop(flag)
    if out.get("is_custom") is False:
        out.pop("is_custom")
    return dict(out)


async def search_properties(
    runtime: Runtime, ctx: Context[Any], object_type: str, query: str | None
) -> dict[str, Any]:
    ds = runtime.compiler.dsl

    def roots(var: Any) -> list[Any]:
        return [
            ds.Query.properties.args(objectType=var.objectType, query=var.query).select(
                *_property_fields(runtime)
            )
        ]

    values = {"objectType": object_type, "query": (query or "").strip() or None}
    operation = runtime.compiler.operation("SearchProperties", roots, values=values)
    rows = (await runtime.run(ctx, operation))["properties"]
    properties = [_compact_property(r) for r in rows]
    page = Page(properties, [None] * len(properties), len(properties), None)

    def envelope(kept: list[dict[str, Any]], _: str | None, note: str | None) -> Any:
        payload: dict[str, Any] = {"object_type": object_type, "count": len(kept)}
        payload["properties"] = kept
        if note:
            payload["note"] = note + " Pass a query to narrow the list."
        return payload

    return fit(page, runtime.token_budget, envelope, continue_hint="")


class CustomTypeList(Answer):
    """The org's custom object types."""

    count: int
    types: list[dict[str, Any]] = Field(
        description="key (use it with get_custom_object_instances), label, count and fields."
    )
    note: str | None = None


async def list_custom_object_types(runtime: Runtime, ctx: Context[Any]) -> dict[str, Any]:
    ds = runtime.compiler.dsl
    t = ds.CustomObjectType
    p = ds.Property

    def roots(_: Any) -> list[Any]:
        return [ds.Query.customObjectTypes.select(
            t.id, t.key, t.label, t.labelPlural, t.description, t.count,
            t.fields.select(p.key, p.label, p.dataType, p.allowedValues, p.description),
        )]  # fmt: skip

    rows = await runtime.run(ctx, runtime.compiler.operation("CustomObjectTypes", roots))
    types = [plain(r) for r in rows["customObjectTypes"]]
    page = Page(types, [None] * len(types), len(types), None)

    def envelope(kept: list[dict[str, Any]], _: str | None, note: str | None) -> Any:
        payload: dict[str, Any] = {"count": len(kept), "types": kept}
        if note:
            payload["note"] = note
        return payload

    return fit(page, runtime.token_budget, envelope, continue_hint="")


async def get_custom_object_instances(
    runtime: Runtime,
    ctx: Context[Any],
    type_key: str,
    filters: list[FilterArg] | None,
    sort: list[SortArg] | None,
    fields: list[str] | None,
    limit: int | None,
    cursor: str | None,
) -> dict[str, Any]:
    if not type_key.strip():
        raise ToolInputError("type must name a custom object type", argument="type")
    compiler = runtime.compiler
    ds = compiler.dsl
    standard = [
        compiler.catalog.fields("CustomObject")[name] for name in DEFAULT_FIELDS["custom_object"]
    ]

    def roots(var: Any) -> list[Any]:
        node = compiler.record("CustomObject", standard, False)
        return [
            ds.Query.customObjects.args(
                type=var.type, filter=var.filter, sort=var.sort, first=var.first, after=var.after
            ).select(*compiler.connection("CustomObjectConnection", node))
        ]

    values = {
        "type": type_key,
        "filter": filter_values(filters),
        "sort": sort_values(sort),
        "first": page_size(limit),
        "after": cursor,
    }
    operation = compiler.operation("CustomObjects", roots, values=values)
    page = page_of(
        (await runtime.run(ctx, operation))["customObjects"], runtime.base_url, standard, []
    )
    if fields:
        wanted = set(fields)
        for shaped in page.records:
            shaped["values"] = {
                k: v for k, v in (shaped.get("values") or {}).items() if k in wanted
            }

    def envelope(kept: list[dict[str, Any]], next_cursor: str | None, note: str | None) -> Any:
        return page_payload(
            f"custom:{type_key}",
            page.total,
            kept,
            next_cursor,
            note,
            lower_bound=page.total_is_lower_bound,
        )

    hint = "call get_custom_object_instances again with cursor={cursor!r}"
    return fit(page, runtime.token_budget, envelope, continue_hint=hint)
