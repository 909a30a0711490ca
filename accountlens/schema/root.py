"""The Query root and the executable ``schema``."""

from __future__ import annotations

from typing import cast

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON
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
from accountlens.schema.inputs import to_list_query, wants_total
from accountlens.schema.json_view import TypeFields, by_type, nodes_as_json
from accountlens.schema.limits import extensions
from accountlens.schema.list_fields import After, Filters, First, Sorts, list_field
from accountlens.schema.sessions import SessionsMutation
from accountlens.schema.sso import SsoMutation, SsoQuery
from accountlens.schema.types.analytics import AnalyticsQuery
from accountlens.schema.types.base import AppInfo, Connection, Node, connection, field
from accountlens.schema.types.contracts import Contract
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

    @field(
        "Up to 100 records by ID (mixed types), in the order given, as one JSON value: each "
        "record's `fields` for its type (dotted paths, as `asJson` takes them), null where it "
        "does not exist for you. The same values as `nodes` with `asJson` on each type."
    )
    async def nodes_as_json(
        self, info: AppInfo, ids: list[strawberry.ID], fields: list[TypeFields]
    ) -> JSON:
        if len(ids) > MAX_NODES:
            raise BadInputError(f"at most {MAX_NODES} ids", field="ids")
        return cast(JSON, nodes_as_json(await fetch_nodes(info, ids), info, by_type(fields)))

    accounts = list_field(Account, "Customer accounts.")
    people = list_field(Person, "Contacts at customer accounts.")
    opportunities = list_field(Opportunity, "Deals.")
    tasks = list_field(Task, "Tasks.")
    activities = list_field(Activity, "Emails, calls, meetings and notes.")
    projects = list_field(Project, "Projects.")
    tickets = list_field(Ticket, "Support tickets.")
    contracts = list_field(Contract, "Contracts accounts have signed.")
    documents = list_field(Document, "Transcripts and knowledge-base articles.")
    users = list_field(User, "Colleagues.")
    teams = list_field(Team, "Teams of colleagues.")
    groups = list_field(Group, "Segments and lists.")

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
