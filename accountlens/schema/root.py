"""The Query root and the executable ``schema``."""

from __future__ import annotations

from typing import Annotated

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from accountlens.resolvers import catalog
from accountlens.resolvers.filters import Filter
from accountlens.resolvers.lists import list_records
from accountlens.schema.admin import AdminMutation, AdminQuery
from accountlens.schema.audit_page import AuditQuery
from accountlens.schema.connections import ConnectionsQuery
from accountlens.schema.connections import Mutation as ConnectionsMutation
from accountlens.schema.errors import BadInputError, NotFoundError, should_mask_error
from accountlens.schema.field_security import FieldSecurityMutation, FieldSecurityQuery
from accountlens.schema.ids import decode_as
from accountlens.schema.inputs import FilterInput, SortInput, to_list_query, wants_total
from accountlens.schema.limits import extensions
from accountlens.schema.sessions import SessionsMutation
from accountlens.schema.sso import SsoMutation, SsoQuery
from accountlens.schema.types.analytics import AnalyticsQuery
from accountlens.schema.types.base import AppInfo, Connection, Node, connection, field
from accountlens.schema.types.crm import (
    Account,
    Activity,
    CustomObject,
    Document,
    Opportunity,
    Person,
    Ticket,
)
from accountlens.schema.types.me import Me, me_of
from accountlens.schema.types.nodes import MAX_NODES, fetch_node, fetch_nodes
from accountlens.schema.types.org import CustomObjectType, Group, Property, Team, User
from accountlens.schema.types.work import Project, Task, TaskComment

Filters = Annotated[
    list[FilterInput] | None,
    strawberry.argument(description="Conditions, all of which must hold."),
]
Sorts = Annotated[
    list[SortInput] | None, strawberry.argument(description="Sort keys, most significant first.")
]
First = Annotated[int | None, strawberry.argument(description="Page size, at most 100.")]
After = Annotated[str | None, strawberry.argument(description="`endCursor` of the previous page.")]


@strawberry.type(description="Read-only access to the org's customer data, as the caller sees it.")
class Query(AnalyticsQuery, ConnectionsQuery, FieldSecurityQuery, SsoQuery, AdminQuery, AuditQuery):
    @field("The signed-in user, org and connection.")
    def me(self, info: AppInfo) -> Me:
        return me_of(info)

    @field("Any record by ID; null when it does not exist for you.")
    async def node(self, info: AppInfo, id: strawberry.ID) -> Node | None:
        return await fetch_node(info, id)

    @field("Up to 100 records by ID (mixed types), in the order given.")
    async def nodes(self, info: AppInfo, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise BadInputError(f"at most {MAX_NODES} ids", field="ids")
        return await fetch_nodes(info, ids)

    @field("Customer accounts.")
    async def accounts(
        self,
        info: AppInfo,
        filter: Filters = None,
        sort: Sorts = None,
        first: First = 25,
        after: After = None,
    ) -> Connection[Account]:
        page = await list_records(
            info.context.reader,
            "account",
            to_list_query(filter, sort, first, after, total=wants_total(info)),
        )
        return connection(page, Account.from_row)

    @field("Contacts at customer accounts.")
    async def people(
        self,
        info: AppInfo,
        filter: Filters = None,
        sort: Sorts = None,
        first: First = 25,
        after: After = None,
    ) -> Connection[Person]:
        page = await list_records(
            info.context.reader,
            "person",
            to_list_query(filter, sort, first, after, total=wants_total(info)),
        )
        return connection(page, Person.from_row)

    @field("Deals.")
    async def opportunities(
        self,
        info: AppInfo,
        filter: Filters = None,
        sort: Sorts = None,
        first: First = 25,
        after: After = None,
    ) -> Connection[Opportunity]:
        page = await list_records(
            info.context.reader,
            "opportunity",
            to_list_query(filter, sort, first, after, total=wants_total(info)),
        )
        return connection(page, Opportunity.from_row)

    @field("Tasks.")
    async def tasks(
        self,
        info: AppInfo,
        filter: Filters = None,
        sort: Sorts = None,
        first: First = 25,
        after: After = None,
    ) -> Connection[Task]:
        page = await list_records(
            info.context.reader,
            "task",
            to_list_query(filter, sort, first, after, total=wants_total(info)),
        )
        return connection(page, Task.from_row)

    @field("Emails, calls, meetings and notes.")
    async def activities(
        self,
        info: AppInfo,
        filter: Filters = None,
        sort: Sorts = None,
        first: First = 25,
        after: After = None,
    ) -> Connection[Activity]:
        page = await list_records(
            info.context.reader,
            "activity",
            to_list_query(filter, sort, first, after, total=wants_total(info)),
        )
        return connection(page, Activity.from_row)

    @field("Projects.")
    async def projects(
        self,
        info: AppInfo,
        filter: Filters = None,
        sort: Sorts = None,
        first: First = 25,
        after: After = None,
    ) -> Connection[Project]:
        page = await list_records(
            info.context.reader,
            "project",
            to_list_query(filter, sort, first, after, total=wants_total(info)),
        )
        return connection(page, Project.from_row)

    @field("Support tickets.")
    async def tickets(
        self,
        info: AppInfo,
        filter: Filters = None,
        sort: Sorts = None,
        first: First = 25,
        after: After = None,
    ) -> Connection[Ticket]:
        page = await list_records(
            info.context.reader,
            "ticket",
            to_list_query(filter, sort, first, after, total=wants_total(info)),
        )
        return connection(page, Ticket.from_row)

    @field("Transcripts and knowledge-base articles.")
    async def documents(
        self,
        info: AppInfo,
        filter: Filters = None,
        sort: Sorts = None,
        first: First = 25,
        after: After = None,
    ) -> Connection[Document]:
        page = await list_records(
            info.context.reader,
            "document",
            to_list_query(filter, sort, first, after, total=wants_total(info)),
        )
        return connection(page, Document.from_row)

    @field("Colleagues.")
    async def users(
        self,
        info: AppInfo,
        filter: Filters = None,
        sort: Sorts = None,
        first: First = 25,
        after: After = None,
    ) -> Connection[User]:
        page = await list_records(
            info.context.reader,
            "user",
            to_list_query(filter, sort, first, after, total=wants_total(info)),
        )
        return connection(page, User.from_row)

    @field("Teams of colleagues.")
    async def teams(
        self,
        info: AppInfo,
        filter: Filters = None,
        sort: Sorts = None,
        first: First = 25,
        after: After = None,
    ) -> Connection[Team]:
        page = await list_records(
            info.context.reader,
            "team",
            to_list_query(filter, sort, first, after, total=wants_total(info)),
        )
        return connection(page, Team.from_row)

    @field("Segments and lists.")
    async def groups(
        self,
        info: AppInfo,
        filter: Filters = None,
        sort: Sorts = None,
        first: First = 25,
        after: After = None,
    ) -> Connection[Group]:
        page = await list_records(
            info.context.reader,
            "group",
            to_list_query(filter, sort, first, after, total=wants_total(info)),
        )
        return connection(page, Group.from_row)

    @field("The groups an account or person belongs to.")
    async def group_memberships(self, info: AppInfo, member_id: strawberry.ID) -> list[Group]:
        node = await fetch_node(info, member_id)
        if isinstance(node, Account):
            return await node.groups(info)
        if isinstance(node, Person):
            return await node.groups(info)
        raise NotFoundError("no account or person with that ID", field="memberId")

    @field("The comment thread on a task, oldest first.")
    async def task_comments(
        self, info: AppInfo, task_id: strawberry.ID, first: First = 25, after: After = None
    ) -> Connection[TaskComment]:
        task = decode_as("task", task_id)
        node = await fetch_node(info, task_id) if task else None
        if task is None or node is None:
            raise NotFoundError("no task with that ID", field="taskId")
        query = to_list_query(
            None, None, first, after, Filter("task", "eq", task), total=wants_total(info)
        )
        page = await list_records(info.context.reader, "task_comment", query)
        return connection(page, TaskComment.from_row)

    @field("Fields of an object type (standard, custom, and filter pseudo-fields).")
    async def properties(
        self, info: AppInfo, object_type: str, query: str | None = None
    ) -> list[Property]:
        if query is not None and len(query) > 200:
            raise BadInputError("query longer than 200 characters", field="query")
        entries = await catalog.properties(info.context.reader, object_type, query)
        return [Property.from_entry(e) for e in entries]

    @field("The org's custom object types, with fields and counts.")
    async def custom_object_types(self, info: AppInfo) -> list[CustomObjectType]:
        rows = await catalog.custom_object_types(info.context.reader)
        return [CustomObjectType.from_row(r) for r in rows]

    @field("Instances of one custom object type (by its key).")
    async def custom_objects(
        self,
        info: AppInfo,
        type: str,
        filter: Filters = None,
        sort: Sorts = None,
        first: First = 25,
        after: After = None,
    ) -> Connection[CustomObject]:
        reader = info.context.reader
        _, object_type = await catalog.resolve_object_type(
            reader, f"custom:{type.removeprefix('custom:')}"
        )
        type_id = next(
            r["id"]
            for r in await catalog.custom_object_types(reader)
            if f"custom:{r['key']}" == object_type
        )
        query = to_list_query(
            filter, sort, first, after, Filter("type", "eq", type_id), total=wants_total(info)
        )
        page = await list_records(reader, "custom_object", query, object_type=object_type)
        return connection(page, CustomObject.from_row)


@strawberry.type(
    description="The writes of the web UI: revoking connections, signing people out, SSO "
    "settings, hiding fields from members, the admin pages; never a token's."
)
class Mutation(
    ConnectionsMutation, SessionsMutation, SsoMutation, FieldSecurityMutation, AdminMutation
):
    pass


class AccountLensSchema(strawberry.Schema):
    """Logs only faults of ours: a caller's bad query or input is answered, not logged as ours."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        super().process_errors(
            [e for e in errors if should_mask_error(e) and e.original_error is not None],
            execution_context,
        )


schema = AccountLensSchema(query=Query, mutation=Mutation, extensions=extensions())
