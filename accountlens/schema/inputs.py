"""Filter and sort inputs shared by every list, and their translation for the resolvers."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from accountlens.resolvers.filters import Filter
from accountlens.resolvers.lists import ListQuery
from accountlens.resolvers.paging import Sort
from accountlens.schema.errors import BadInputError
from accountlens.schema.ids import decode_values

MAX_INPUT_LIST = 20


@strawberry.enum(
    description=(
        "Filter operators (SPEC §5). Enum values are UPPER_CASE across the schema (GraphQL's "
        "convention); the MCP tools take the same operators in lowercase."
    )
)
class FilterOp(Enum):
    # Values are what the resolvers compare; GraphQL shows the member names.
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    STARTS_WITH = "starts_with"
    IS_NULL = "is_null"
    BETWEEN = "between"


@strawberry.enum
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.input(
    description=(
        "One condition. `field` is a standard field (`close_date`), a custom field (`tier` or "
        "`custom.tier`), a parent account field (`account.name`, `account.segment`) or group "
        "membership (`group`, `segment`, `list`). Dates accept ISO values and relative "
        "expressions: `-30d`, `today`, `this_quarter`, `last_month`, `next_year` …"
    )
)
class FilterInput:
    field: str
    op: FilterOp
    value: JSON | None = None


@strawberry.input(description="One sort key; later keys break ties of earlier ones.")
class SortInput:
    field: str
    direction: SortDirection = SortDirection.ASC


def to_list_query(
    filters: list[FilterInput] | None,
    sort: list[SortInput] | None,
    first: int | None,
    after: str | None,
    *extra: Filter,
    total: bool = False,
) -> ListQuery:
    """The resolvers' query, with global IDs inside filter values decoded to UUIDs.

    ``total``: the operation selects the page's ``totalCount`` (see :func:`wants_total`).
    """
    if filters and len(filters) > MAX_INPUT_LIST:
        raise BadInputError(f"at most {MAX_INPUT_LIST} filters", field="filter")
    return ListQuery(
        filters=[*to_filters(filters), *extra],
        sort=[Sort(s.field, s.direction is SortDirection.DESC) for s in sort or ()],
        first=first,
        after=after,
        with_total=total,
    )


def wants_total(info: Any) -> bool:
    """True when the field being resolved selects ``totalCount`` directly.

    Then the page's statement reads the total too; otherwise (not asked, or asked through a
    fragment) the total is counted separately if and when it is resolved.
    """
    return any(
        getattr(child, "name", None) == "totalCount"
        for selected in info.selected_fields
        for child in selected.selections
    )


def to_filters(filters: list[FilterInput] | None) -> list[Filter]:
    return [Filter(f.field, f.op.value, decode_values(f.value)) for f in filters or ()]
