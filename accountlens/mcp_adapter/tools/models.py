"""Argument and answer models shared by the tools (they become the JSON schemas clients see)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from accountlens.object_types import LISTABLE


def _lowercase(value: Any) -> Any:
    """Choices are lowercase snake_case, but ``EQ``, ``Desc`` or ``WEEK`` mean the same.

    A model that read the GraphQL schema (UPPER_CASE enum values) is not refused for it.
    """
    return value.strip().lower() if isinstance(value, str) else value


#: A lowercase choice that accepts any case (wraps a ``Literal``).
AnyCase = BeforeValidator(_lowercase)

if TYPE_CHECKING:
    ObjectType = str
else:
    # The listable type keys of the registry, as a JSON-schema enum for the tool's input.
    ObjectType = Literal[LISTABLE]
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
    op: Annotated[FilterOp, AnyCase] = Field(description="Comparison operator.")
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
    direction: Annotated[Literal["asc", "desc"], AnyCase] = "asc"


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
            "The fields to show, replacing the compact default set (snake_case; custom "
            "fields by key); id, type, name, url and updated_at are always there. Omit for "
            "the default set, [] for those five only; search_properties lists every field."
        ),
        max_length=40,
    ),
]
Limit = Annotated[int | None, Field(description="Page size, 1-100 (default 25).")]
Cursor = Annotated[
    str | None, Field(description="`next_cursor` of the previous answer, to get the next page.")
]


class Answer(BaseModel):
    """What every answer carries besides its own content."""

    as_of: str = Field(
        description="When the data was read (ISO 8601 UTC); records carry their updated_at."
    )


class RecordPage(Answer):
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


def no_visible_match(object_type: str, field: str, value: object, op: str = "eq") -> str:
    """The note for a name that matched nothing the caller may see.

    Worded the same whether the record does not exist or is hidden from the caller: the
    answer must not tell the two apart (SPEC §4), yet the model should not conclude that
    the record "has nothing", so it says so and points at the tool that finds it.
    """
    shown = str(value)[:60]
    condition = f"{field} = {shown!r}" if op == "eq" else f"{field} {op} {shown!r}"
    return (
        f"No visible {object_type} matched {condition}: it may not exist, or you may not have "
        "access to it (the two look the same). Use search_objects to find the right name or ID."
    )
