"""Root list fields (``accounts``, ``people`` …): one filtered, sorted, paged connection per type.

Every list field takes the same arguments and reads through ``list_records`` with the type's key,
so a type gets its field from one line in ``Query``: ``tickets = list_field(Ticket, "…")``.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from accountlens.resolvers.lists import list_records
from accountlens.schema.inputs import FilterInput, SortInput, to_list_query, wants_total
from accountlens.schema.types.base import AppInfo, Connection, Node, connection

Filters = Annotated[
    list[FilterInput] | None,
    strawberry.argument(description="Conditions, all of which must hold."),
]
Sorts = Annotated[
    list[SortInput] | None, strawberry.argument(description="Sort keys, most significant first.")
]
First = Annotated[int | None, strawberry.argument(description="Page size, at most 100.")]
After = Annotated[str | None, strawberry.argument(description="`endCursor` of the previous page.")]


def list_field(cls: type[Node], description: str) -> Any:
    """The root connection field listing the records of ``cls`` the caller can see."""

    async def resolve(
        info: AppInfo,
        filter: Filters = None,
        sort: Sorts = None,
        first: First = 25,
        after: After = None,
    ) -> Connection[Node]:
        page = await list_records(
            info.context.reader,
            cls.TYPE_KEY,
            to_list_query(filter, sort, first, after, total=wants_total(info)),
        )
        return connection(page, cls.from_row)

    # The annotations above are strings (postponed); the return type names the concrete class.
    resolve.__annotations__["return"] = Connection[cls]  # type: ignore[valid-type]
    return strawberry.field(description=description, resolver=resolve)
