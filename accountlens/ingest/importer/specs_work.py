"""Specs of the work files: tasks and their comments, activities, projects, tickets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accountlens.db.models import (
    Activity,
    ActivityParticipant,
    Project,
    ProjectMember,
    Task,
    TaskComment,
    Ticket,
)
from accountlens.ingest.importer.formats import (
    ActivityRow,
    ProjectRow,
    TaskCommentRow,
    TaskRow,
    TicketRow,
)
from accountlens.ingest.importer.load import ChildRows, ChildTable, table_of
from accountlens.ingest.importer.records import RecordSpec, referencing, with_custom
from accountlens.ingest.importer.resolve import Ref, Resolved
from accountlens.ingest.importer.specs_crm import list_members, list_refs, optional_ref


class TaskSpec(RecordSpec[TaskRow]):
    file = "tasks.jsonl"
    kind = "task"
    model = TaskRow
    table = table_of(Task)

    def event_time(self, row: TaskRow) -> datetime | None:
        return row.completed_at

    def refs(self, row: TaskRow) -> list[Ref]:
        return [
            *optional_ref("account", "account", row.account),
            *optional_ref("assignee", "user", row.assignee),
            *optional_ref("creator", "user", row.creator),
        ]

    def values(self, row: TaskRow, refs: Resolved) -> dict[str, Any]:
        return referencing(row, refs, "account", "assignee", "creator")


class TaskCommentSpec(RecordSpec[TaskCommentRow]):
    file = "task_comments.jsonl"
    kind = "task_comment"
    model = TaskCommentRow
    table = table_of(TaskComment)

    def event_time(self, row: TaskCommentRow) -> datetime | None:
        return row.posted_at

    def refs(self, row: TaskCommentRow) -> list[Ref]:
        return [Ref("task", "task", row.task), *optional_ref("author", "user", row.author)]

    def values(self, row: TaskCommentRow, refs: Resolved) -> dict[str, Any]:
        return with_custom(
            row,
            {
                "task_id": refs.id("task"),
                "author_id": refs.id("author"),
                "body": row.body,
                "posted_at": row.posted_at,
            },
        )


class ActivitySpec(RecordSpec[ActivityRow]):
    file = "activities.jsonl"
    kind = "activity"
    model = ActivityRow
    table = table_of(Activity)
    children = (
        ChildTable("participants", table_of(ActivityParticipant), "activity_id", ("person_id",)),
    )

    def event_time(self, row: ActivityRow) -> datetime | None:
        return row.occurred_at

    def refs(self, row: ActivityRow) -> list[Ref]:
        return [
            Ref("account", "account", row.account),
            *optional_ref("user", "user", row.user),
            *list_refs("participants", "person", row.participants),
        ]

    def values(self, row: ActivityRow, refs: Resolved) -> dict[str, Any]:
        return referencing(row, refs, "account", "user", lists=("participants",))

    def members(self, row: ActivityRow, refs: Resolved) -> dict[str, ChildRows]:
        return {"participants": list_members(refs, "participants", len(row.participants))}


class ProjectSpec(RecordSpec[ProjectRow]):
    file = "projects.jsonl"
    kind = "project"
    model = ProjectRow
    table = table_of(Project)
    children = (ChildTable("members", table_of(ProjectMember), "project_id", ("user_id",)),)

    def refs(self, row: ProjectRow) -> list[Ref]:
        return [
            *optional_ref("account", "account", row.account),
            *optional_ref("owner", "user", row.owner),
            *list_refs("members", "user", row.members),
        ]

    def values(self, row: ProjectRow, refs: Resolved) -> dict[str, Any]:
        return referencing(row, refs, "account", "owner", lists=("members",))

    def members(self, row: ProjectRow, refs: Resolved) -> dict[str, ChildRows]:
        return {"members": list_members(refs, "members", len(row.members))}


class TicketSpec(RecordSpec[TicketRow]):
    file = "tickets.jsonl"
    kind = "ticket"
    model = TicketRow
    table = table_of(Ticket)

    def event_time(self, row: TicketRow) -> datetime | None:
        return row.opened_at

    def refs(self, row: TicketRow) -> list[Ref]:
        return [
            Ref("account", "account", row.account),
            *optional_ref("requester", "person", row.requester),
        ]

    def values(self, row: TicketRow, refs: Resolved) -> dict[str, Any]:
        return referencing(row, refs, "account", "requester")
