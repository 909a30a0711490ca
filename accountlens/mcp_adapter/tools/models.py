"""Argument and answer models shared by the tools (they become the JSON schemas clients see)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ObjectType = Literal["account", "person", "opportunity", "task", "activity", "project", "ticket"]
FilterOp = Literal[
    "eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "contains", "starts_with", "is_null",
    "between",
]  # fmt: skip


class FilterArg(BaseModel):
    """One condition; all conditions of a call must hold."""

    model_config = ConfigDict(extra="forbid")

    field: str = Field(
        description=(
            "A field of the type (`close_date`), a custom field (`tier`), a field of the parent "
            "account (`account.name`, `account.segment`), or group membership (`group`)."
        )
    )
    op: FilterOp = Field(description="Comparison operator.")
    value: Any = Field(
        default=None,
        description=(
            "A string, number, boolean, list (for in/not_in/between) or date. Dates accept ISO "
            "values or relative expressions: -30d, today, this_quarter, last_month, next_year."
        ),
    )


class SortArg(BaseModel):
    """One sort key; later keys break ties."""

    model_config = ConfigDict(extra="forbid")

    field: str
    direction: Literal["asc", "desc"] = "asc"


Filters = Annotated[
    list[FilterArg] | None,
    Field(description="Conditions, all of which must hold (at most 20).", max_length=20),
]
Sorts = Annotated[
    list[SortArg] | None, Field(description="Sort keys, most significant first.", max_length=5)
]
Fields = Annotated[
    list[str] | None,
    Field(
        description=(
            "Fields to include besides id, type, name and url (snake_case; custom fields by "
            "key). Omit for a compact default set, [] for identity only; search_properties "
            "lists them all."
        ),
        max_length=40,
    ),
]
Limit = Annotated[int | None, Field(description="Page size, 1-100 (default 25).")]
Cursor = Annotated[
    str | None, Field(description="`next_cursor` of the previous answer, to get the next page.")
]


class RecordPage(BaseModel):
    """A page of records with the exact total and where to continue."""

    type: str | None = Field(default=None, description="The object type listed, if one.")
    total: int = Field(description="How many records match in all, across pages.")
    total_is_lower_bound: bool | None = Field(
        default=None,
        description="Present (true) when counting stopped at the server's cap: at least `total` "
        "records match, possibly many more.",
    )
    count: int = Field(description="How many records this answer holds.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at end.")
    records: list[dict[str, Any]] = Field(description="Records: id, type, name, url and fields.")
    note: str | None = Field(default=None, description="Present when the page was shortened.")


def page_payload(
    type_: str | None,
    total: int,
    records: list[dict[str, Any]],
    next_cursor: str | None,
    note: str | None,
    *,
    lower_bound: bool = False,
) -> dict[str, Any]:
    """The ``RecordPage`` JSON (keys in a reading-friendly order, no nulls but next_cursor)."""
    payload: dict[str, Any] = {"type": type_} if type_ else {}
    payload["total"] = total
    if lower_bound:
        payload["total_is_lower_bound"] = True
    payload |= {"count": len(records), "next_cursor": next_cursor}
    payload["records"] = records
    if note:
        payload["note"] = note
    return payload
