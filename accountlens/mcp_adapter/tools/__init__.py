"""The twelve tools of SPEC §5, registered on an ``MCPServer``.

Each registration is a thin, typed signature (it becomes the tool's input schema), a description
written for a model (what it is for, when to use it instead of another tool, one example), the
read-only annotations and an output model (the ``outputSchema``). The bodies live in the family
modules beside this one and answer through :func:`accountlens.mcp_adapter.runtime.answer`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import Field

from accountlens.mcp_adapter.arguments import argument_names
from accountlens.mcp_adapter.runtime import Runtime, answer
from accountlens.mcp_adapter.tools import activity, identity, properties, records, search
from accountlens.mcp_adapter.tools.descriptions import DESCRIPTIONS
from accountlens.mcp_adapter.tools.models import (
    AnyCase,
    Cursor,
    Fields,
    Filters,
    Limit,
    ObjectType,
    RecordPage,
    Sorts,
)
from accountlens.object_types import LISTABLE

TOOL_NAMES = tuple(DESCRIPTIONS)
F = TypeVar("F", bound=Callable[..., Any])


class Timeline(RecordPage):
    """An account's events in a window, newest first; each event is a record."""

    account: dict[str, Any] = Field(description="The account as resolved: {id, name}.")
    since: str


def _annotations(title: str) -> ToolAnnotations:
    return ToolAnnotations(
        title=title,
        read_only_hint=True,
        destructive_hint=False,
        idempotent_hint=True,
        open_world_hint=False,
    )


def register_tools(server: MCPServer[Any], runtime: Runtime) -> dict[str, frozenset[str]]:
    """Add every tool to ``server``; ``runtime`` carries what their bodies need.

    Returns each tool's argument names, for :class:`~accountlens.mcp_adapter.arguments.
    UnknownArguments`.
    """
    arguments: dict[str, frozenset[str]] = {}

    def tool(name: str, title: str) -> Callable[[F], F]:
        register = server.tool(
            name=name,
            title=title,
            description=DESCRIPTIONS[name],
            annotations=_annotations(title),
            structured_output=True,
        )

        def decorate(function: F) -> F:
            arguments[name] = argument_names(function)
            return register(function)

        return decorate

    @tool("whoami", "Who am I")
    async def whoami(ctx: Context[Any]) -> Annotated[CallToolResult, identity.WhoAmI]:
        return await answer(identity.whoami(runtime, ctx))

    @tool("list_objects", "List records")
    async def list_objects(
        ctx: Context[Any],
        object_type: Annotated[
            ObjectType, AnyCase, Field(description="The type of record to list.")
        ],
        filters: Filters = None,
        sort: Sorts = None,
        fields: Fields = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, RecordPage]:
        return await answer(
            records.list_objects(runtime, ctx, object_type, filters, sort, fields, limit, cursor)
        )

    @tool("search_objects", "Search records by keyword")
    async def search_objects(
        ctx: Context[Any],
        query: Annotated[str, Field(description="Words to look for (names, emails, titles…).")],
        types: Annotated[
            list[str] | None,
            Field(description='Only these types, e.g. ["account", "person"].', max_length=15),
        ] = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, RecordPage]:
        return await answer(search.search_objects(runtime, ctx, query, types, limit, cursor))

    @tool("get_objects", "Get records by ID")
    async def get_objects(
        ctx: Context[Any],
        ids: records.Ids,
        fields: Fields = None,
        include: records.Include = None,
    ) -> Annotated[CallToolResult, records.RecordSet]:
        return await answer(records.get_objects(runtime, ctx, ids, fields, include))

    @tool("search_properties", "Describe the fields of a type")
    async def search_properties(
        ctx: Context[Any],
        object_type: Annotated[
            str,
            Field(description=(f"{', '.join(LISTABLE)}, or a custom object type as custom:<key>.")),
        ],
        query: Annotated[str | None, Field(description="Words to filter fields by.")] = None,
    ) -> Annotated[CallToolResult, properties.PropertyList]:
        return await answer(properties.search_properties(runtime, ctx, object_type, query))

    @tool("list_custom_object_types", "List custom object types")
    async def list_custom_object_types(
        ctx: Context[Any],
    ) -> Annotated[CallToolResult, properties.CustomTypeList]:
        return await answer(properties.list_custom_object_types(runtime, ctx))

    @tool("get_custom_object_instances", "List custom object records")
    async def get_custom_object_instances(
        ctx: Context[Any],
        type: Annotated[str, Field(description="The custom object type's key.")],
        filters: Filters = None,
        sort: Sorts = None,
        fields: Fields = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, RecordPage]:
        return await answer(
            properties.get_custom_object_instances(
                runtime, ctx, type, filters, sort, fields, limit, cursor
            )
        )

    @tool("get_group_membership", "Groups of a record")
    async def get_group_membership(
        ctx: Context[Any],
        id: Annotated[str, Field(description="An account (acc_…) or person (per_…) ID.")],
    ) -> Annotated[CallToolResult, activity.Memberships]:
        return await answer(activity.get_group_membership(runtime, ctx, id))

    @tool("get_task_comments", "Comments on a task")
    async def get_task_comments(
        ctx: Context[Any],
        task_id: Annotated[str, Field(description="A task ID (tsk_…).")],
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, RecordPage]:
        return await answer(activity.get_task_comments(runtime, ctx, task_id, limit, cursor))

    @tool("get_product_usage", "Product usage")
    async def get_product_usage(
        ctx: Context[Any],
        id: Annotated[str, Field(description="An account (acc_…) or person (per_…) ID.")],
        since: Annotated[
            str | None, Field(description="Window start: ISO date or -90d, this_quarter …")
        ] = None,
        until: Annotated[str | None, Field(description="Window end (default: now).")] = None,
        interval: Annotated[
            Literal["day", "week", "month"], AnyCase, Field(description="Bucket size.")
        ] = "week",
    ) -> Annotated[CallToolResult, activity.Usage]:
        return await answer(activity.get_product_usage(runtime, ctx, id, since, until, interval))

    @tool("semantic_search", "Search transcripts and articles")
    async def semantic_search(
        ctx: Context[Any],
        query: Annotated[str, Field(description="A question or topic in plain words.")],
        account_id: Annotated[
            str | None, Field(description="Only this account's documents (acc_…).")
        ] = None,
        kinds: Annotated[
            list[Literal["transcript", "kb_article"]] | None,
            Field(description="Only these document kinds."),
        ] = None,
        since: Annotated[
            str | None, Field(description="Documents from (ISO date or -30d).")
        ] = None,
        until: Annotated[str | None, Field(description="Documents until.")] = None,
        limit: Annotated[int | None, Field(description="Passages, 1-50 (default 10).")] = None,
        mode: Annotated[
            search.SearchModeName,
            AnyCase,
            Field(description="hybrid (default), vector or keyword."),
        ] = "hybrid",
    ) -> Annotated[CallToolResult, search.Passages]:
        return await answer(
            search.semantic_search(
                runtime, ctx, query, account_id, kinds, since, until, limit, mode
            )
        )

    @tool("account_timeline", "Account timeline")
    async def account_timeline(
        ctx: Context[Any],
        account: Annotated[
            str, Field(description="The account's ID (acc_…) or its exact name (Acme Corp).")
        ],
        since: Annotated[
            str | None, Field(description="Window start (default -30d): ISO or relative.")
        ] = None,
        until: Annotated[str | None, Field(description="Window end (default: now).")] = None,
        kinds: Annotated[
            list[activity.TimelineKind] | None, Field(description="Only these event kinds.")
        ] = None,
        limit: Limit = None,
        cursor: Cursor = None,
    ) -> Annotated[CallToolResult, Timeline]:
        return await answer(
            activity.account_timeline(runtime, ctx, account, since, until, kinds, limit, cursor)
        )

    return arguments
