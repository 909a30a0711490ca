"""Internal work: tasks with comments, and projects."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from accountlens.schema.types.base import (
    AppInfo,
    Record,
    field,
    load_children,
    load_node,
    load_related,
)
from accountlens.schema.types.crm import Account, _bounded
from accountlens.schema.types.org import User


@strawberry.type(description="An internal to-do, optionally about an account.")
class Task(Record):
    TYPE_KEY = "task"
    NAME_FIELD = "title"
    title: str
    description: str | None
    status: str
    priority: str
    due_date: date | None
    completed_at: datetime | None

    @field("The account it is about, if any.")
    async def account(self, info: AppInfo) -> Account | None:
        return await load_node(info, Account, self.row["account_id"])

    @field("Who does it.")
    async def assignee(self, info: AppInfo) -> User | None:
        return await load_node(info, User, self.row["assignee_id"])

    @field("Who created it.")
    async def creator(self, info: AppInfo) -> User | None:
        return await load_node(info, User, self.row["creator_id"])

    @field("The comment thread, oldest first (up to `first`).")
    async def comments(self, info: AppInfo, first: int = 20) -> list[TaskComment]:
        return await load_children(info, TaskComment, "task_id", self.row["id"], _bounded(first))


@strawberry.type(description="A comment on a task.")
class TaskComment(Record):
    TYPE_KEY = "task_comment"
    NAME_FIELD = "body"
    body: str
    posted_at: datetime

    @field("Who wrote it.")
    async def author(self, info: AppInfo) -> User | None:
        return await load_node(info, User, self.row["author_id"])

    @field("The task.")
    async def task(self, info: AppInfo) -> Task | None:
        return await load_node(info, Task, self.row["task_id"])


@strawberry.type(description="An onboarding, implementation or similar project.")
class Project(Record):
    TYPE_KEY = "project"
    name: str
    kind: str
    status: str
    start_date: date | None
    due_date: date | None

    @field("The account, if any.")
    async def account(self, info: AppInfo) -> Account | None:
        return await load_node(info, Account, self.row["account_id"])

    @field("Who leads it.")
    async def owner(self, info: AppInfo) -> User | None:
        return await load_node(info, User, self.row["owner_id"])

    @field("Colleagues on the project.")
    async def members(self, info: AppInfo) -> list[User]:
        return await load_related(info, User, "project_members", self.row["id"])
