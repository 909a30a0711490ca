"""Accounts and what hangs off them: people, opportunities, activities, tickets, custom objects."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, cast

import strawberry
from strawberry.scalars import JSON

from accountlens.schema.errors import BadInputError
from accountlens.schema.types.base import (
    AppInfo,
    Money,
    Record,
    field,
    load_children,
    load_node,
    load_related,
    money,
)
from accountlens.schema.types.events import TimelineEvent
from accountlens.schema.types.org import AccountTeamMember, CustomObjectType, Group, Team, User

if TYPE_CHECKING:
    from accountlens.schema.types.work import Project, Task

_WORK = "accountlens.schema.types.work"
NESTED_MAX = 50


def _bounded(first: int) -> int:
    if not 0 <= first <= NESTED_MAX:
        raise BadInputError(f"first must be between 0 and {NESTED_MAX} on nested lists")
    return first


@strawberry.type(description="A customer company.")
class Account(Record):
    TYPE_KEY = "account"
    name: str
    domain: str | None
    industry: str | None
    employees: int | None
    lifecycle_stage: str | None
    health_score: int | None
    health_trend: str | None
    renewal_date: date | None
    licensed_seats: int | None

    @field("Annual recurring revenue.")
    def arr(self) -> Money | None:
        return money(self.row["arr_amount"], self.row["arr_currency"])

    @field("The account owner.")
    async def owner(self, info: AppInfo) -> User | None:
        return await load_node(info, User, self.row["owner_id"])

    @field("The team that covers the account.")
    async def team(self, info: AppInfo) -> Team | None:
        return await load_node(info, Team, self.row["team_id"])

    @field("Colleagues on the account team, with their roles.")
    async def account_team(self, info: AppInfo) -> list[AccountTeamMember]:
        rows = await info.context.loaders.related("account_team").load(self.row["id"])
        return [AccountTeamMember(user=User.from_row(r), role=r["team_role"]) for r in rows]

    @field("Segments and lists the account is in.")
    async def groups(self, info: AppInfo) -> list[Group]:
        return await load_related(info, Group, "account_groups", self.row["id"])

    @field("Contacts at the account (up to `first`, by name).")
    async def people(self, info: AppInfo, first: int = 10) -> list[Person]:
        return await load_children(info, Person, "account_id", self.row["id"], _bounded(first))

    @field("Opportunities (up to `first`, by close date).")
    async def opportunities(self, info: AppInfo, first: int = 10) -> list[Opportunity]:
        return await load_children(info, Opportunity, "account_id", self.row["id"], _bounded(first))

    @field("Support tickets (up to `first`, newest first).")
    async def tickets(self, info: AppInfo, first: int = 10) -> list[Ticket]:
        return await load_children(info, Ticket, "account_id", self.row["id"], _bounded(first))

    @field("Activities (up to `first`, newest first).")
    async def activities(self, info: AppInfo, first: int = 10) -> list[Activity]:
        return await load_children(info, Activity, "account_id", self.row["id"], _bounded(first))

    @field("Tasks about the account (up to `first`, by due date).")
    async def tasks(
        self, info: AppInfo, first: int = 10
    ) -> list[Annotated[Task, strawberry.lazy(_WORK)]]:
        from accountlens.schema.types.work import Task

        return await load_children(info, Task, "account_id", self.row["id"], _bounded(first))

    @field("What happened on the account in a window (default: last 30 days), newest first.")
    async def timeline(
        self,
        info: AppInfo,
        since: str | None = None,
        until: str | None = None,
        kinds: list[str] | None = None,
        first: int = 25,
    ) -> list[TimelineEvent]:
        loader = info.context.loaders.timeline(since, until, tuple(kinds or ()), _bounded(first))
        return [TimelineEvent.of(row) for row in await loader.load(self.row["id"])]

    @field("Projects for the account (up to `first`, by due date).")
    async def projects(
        self, info: AppInfo, first: int = 10
    ) -> list[Annotated[Project, strawberry.lazy(_WORK)]]:
        from accountlens.schema.types.work import Project

        return await load_children(info, Project, "account_id", self.row["id"], _bounded(first))


@strawberry.type(description="A contact at a customer account.")
class Person(Record):
    TYPE_KEY = "person"
    name: str
    email: str | None
    title: str | None
    persona: str | None = strawberry.field(
        description="Role in the deal: champion, economic_buyer, decision_maker, user, detractor …"
    )
    phone: str | None
    last_contacted_at: datetime | None

    @field("The account the person works at.")
    async def account(self, info: AppInfo) -> Account | None:
        return await load_node(info, Account, self.row["account_id"])

    @field("Groups (lists, segments) the person is in.")
    async def groups(self, info: AppInfo) -> list[Group]:
        return await load_related(info, Group, "person_groups", self.row["id"])


@strawberry.type(description="A deal: new business, renewal or expansion.")
class Opportunity(Record):
    TYPE_KEY = "opportunity"
    name: str
    type: str
    stage: str
    stage_category: str = strawberry.field(description="open, won or lost.")
    close_date: date | None
    probability: int | None

    @field("Deal amount.")
    def amount(self) -> Money | None:
        return money(self.row["amount"], self.row["currency"])

    @field("The deal owner.")
    async def owner(self, info: AppInfo) -> User | None:
        return await load_node(info, User, self.row["owner_id"])

    @field("The customer account.")
    async def account(self, info: AppInfo) -> Account | None:
        return await load_node(info, Account, self.row["account_id"])


@strawberry.type(description="An email, call, meeting or note on an account.")
class Activity(Record):
    TYPE_KEY = "activity"
    NAME_FIELD = "subject"
    kind: str
    subject: str
    body: str | None
    occurred_at: datetime

    @field("The account.")
    async def account(self, info: AppInfo) -> Account | None:
        return await load_node(info, Account, self.row["account_id"])

    @field("The colleague who logged it.")
    async def user(self, info: AppInfo) -> User | None:
        return await load_node(info, User, self.row["user_id"])

    @field("Customer contacts involved.")
    async def participants(self, info: AppInfo) -> list[Person]:
        return await load_related(info, Person, "activity_people", self.row["id"])


@strawberry.type(description="A support ticket.")
class Ticket(Record):
    TYPE_KEY = "ticket"
    NAME_FIELD = "subject"
    subject: str
    description: str | None
    status: str
    priority: str
    opened_at: datetime
    closed_at: datetime | None

    @field("The account.")
    async def account(self, info: AppInfo) -> Account | None:
        return await load_node(info, Account, self.row["account_id"])

    @field("The contact who asked.")
    async def requester(self, info: AppInfo) -> Person | None:
        return await load_node(info, Person, self.row["requester_id"])


@strawberry.type(description="A row of a custom object type; its values are in `custom`.")
class CustomObject(Record):
    TYPE_KEY = "custom_object"
    name: str

    @field("The field values, by property key (the same as `custom`).")
    def values(self) -> JSON:
        return cast(JSON, self.row["custom"])

    @field("The custom object type.")
    async def custom_type(self, info: AppInfo) -> CustomObjectType | None:
        return await load_node(info, CustomObjectType, self.row["type_id"])

    @field("The account, if the object belongs to one.")
    async def account(self, info: AppInfo) -> Account | None:
        return await load_node(info, Account, self.row["account_id"])


@strawberry.type(description="A meeting transcript or knowledge-base article.")
class Document(Record):
    TYPE_KEY = "document"
    NAME_FIELD = "title"
    kind: str
    title: str
    occurred_at: datetime
    duration_seconds: int | None
    body: str

    @field("The account, if the document belongs to one.")
    async def account(self, info: AppInfo) -> Account | None:
        return await load_node(info, Account, self.row["account_id"])
