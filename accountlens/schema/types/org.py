"""Colleagues, teams, groups, and the org's data model (properties, custom object types)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from accountlens.resolvers import catalog
from accountlens.resolvers.filters import Filter
from accountlens.resolvers.lists import list_records
from accountlens.schema.inputs import FilterInput, SortInput, to_list_query, wants_total
from accountlens.schema.types.base import (
    AppInfo,
    Connection,
    N,
    Record,
    connection,
    field,
    load_related,
)

if TYPE_CHECKING:
    from accountlens.schema.types.crm import Account, Person

_CRM = "accountlens.schema.types.crm"


@strawberry.type(description="A colleague with access to AccountLens.")
class User(Record):
    TYPE_KEY = "user"
    name: str
    email: str
    role: str
    is_active: bool

    @field("Teams the user belongs to.")
    async def teams(self, info: AppInfo) -> list[Team]:
        return await load_related(info, Team, "user_teams", self.row["id"])


@strawberry.type(description="A user on an account's account team, with their role there.")
class AccountTeamMember:
    user: User
    role: str | None


@strawberry.type(description="A team of colleagues.")
class Team(Record):
    TYPE_KEY = "team"
    name: str

    @field("The team's members.")
    async def members(self, info: AppInfo) -> list[User]:
        return await load_related(info, User, "team_members", self.row["id"])


async def _members(
    info: AppInfo,
    group_id: Any,
    cls: type[N],
    filter: list[FilterInput] | None,
    sort: list[SortInput] | None,
    first: int | None,
    after: str | None,
) -> Connection[N]:
    """The group's members of type ``cls`` the caller may see: a list filtered on the group."""
    in_group = Filter("group", "eq", group_id)
    query = to_list_query(filter, sort, first, after, in_group, total=wants_total(info))
    return connection(await list_records(info.context.reader, cls.TYPE_KEY, query), cls.from_row)


@strawberry.type(description="A segment (e.g. 'At Risk') or list of accounts or of people.")
class Group(Record):
    TYPE_KEY = "group"
    name: str
    kind: str
    member_type: str
    description: str | None

    @field("Member accounts you may see (empty for groups of people).")
    async def accounts(
        self,
        info: AppInfo,
        filter: list[FilterInput] | None = None,
        sort: list[SortInput] | None = None,
        first: int | None = 25,
        after: str | None = None,
    ) -> Connection[Annotated[Account, strawberry.lazy(_CRM)]]:
        from accountlens.schema.types.crm import Account

        return await _members(info, self.row["id"], Account, filter, sort, first, after)

    @field("Member people you may see (empty for groups of accounts).")
    async def people(
        self,
        info: AppInfo,
        filter: list[FilterInput] | None = None,
        sort: list[SortInput] | None = None,
        first: int | None = 25,
        after: str | None = None,
    ) -> Connection[Annotated[Person, strawberry.lazy(_CRM)]]:
        from accountlens.schema.types.crm import Person

        return await _members(info, self.row["id"], Person, filter, sort, first, after)


@strawberry.type(description="A field of an object type, standard or custom.")
class Property:
    object_type: str
    key: str
    label: str
    description: str | None
    data_type: str = strawberry.field(
        description="string, text, integer, number, money, boolean, date, datetime, enum, reference"
    )
    allowed_values: list[JSON] | None
    is_custom: bool
    filterable: bool
    sortable: bool
    filter_field: str = strawberry.field(description="The name to use in filters and sorts.")

    @classmethod
    def from_entry(cls, entry: catalog.PropertyEntry) -> Property:
        values: dict[str, Any] = {
            name: getattr(entry, name)
            for name in (
                "object_type",
                "key",
                "label",
                "description",
                "data_type",
                "allowed_values",
                "is_custom",
                "filterable",
                "sortable",
                "filter_field",
            )
        }
        return cls(**values)


@strawberry.type(description="An org-defined object type and its fields.")
class CustomObjectType(Record):
    TYPE_KEY = "custom_object_type"
    NAME_FIELD = "label"
    key: str
    label: str
    label_plural: str | None
    description: str | None

    @field("The type's fields.")
    async def fields(self, info: AppInfo) -> list[Property]:
        entries = await catalog.properties(info.context.reader, f"custom:{self.key}")
        return [Property.from_entry(e) for e in entries]

    @field("How many instances you may see.")
    async def count(self, info: AppInfo) -> int:
        counts = await catalog.custom_object_counts(info.context.reader)
        return counts.get(self.row["id"], 0)
