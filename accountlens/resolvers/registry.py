"""The object types lists, filters, sorting and search know about, and their standard fields.

One :class:`ObjectSpec` per type says which table it reads, which visibility function guards it,
which fields can be filtered and sorted (with their data types and allowed values), what keyword
search matches, and how it hangs off an account. Custom fields come from ``property_definitions``
at request time; these are the built-in ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, ColumnElement
from sqlalchemy.orm import QueryableAttribute

from accountlens.auth.principal import Principal
from accountlens.db.models import (
    Account,
    Activity,
    Contract,
    CustomObjectInstance,
    CustomObjectType,
    Document,
    Group,
    Opportunity,
    Person,
    Project,
    Task,
    TaskComment,
    Team,
    Ticket,
    User,
)
from accountlens.db.models.contracts import CONTRACT_STATUSES
from accountlens.object_types import TYPES, TypeInfo
from accountlens.resolvers import visibility as v
from accountlens.resolvers.errors import unknown_choice

Attr = QueryableAttribute[Any]

#: Columns never read into a row: secrets and search internals.
HIDDEN_COLUMNS = frozenset({"password_hash", "sso_subject", "tsv", "embedding"})


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A standard field: how to read it in SQL and what values it takes."""

    key: str
    column: Attr
    data_type: str
    description: str = ""
    allowed_values: tuple[str, ...] | None = None
    target: str | None = None  # the object type a ``reference`` points at
    filterable: bool = True
    sortable: bool = True

    @property
    def label(self) -> str:
        return self.key.replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True)
class ObjectSpec:
    """Everything generic reads need to know about one object type."""

    key: str
    model: type[Any]
    visible: Callable[[Principal], ColumnElement[bool]]
    fields: Mapping[str, FieldSpec]
    name_column: Attr
    search_columns: tuple[Attr, ...]
    default_sort: tuple[tuple[str, bool], ...]  # (field, descending)
    group_member_column: str | None = None  # column of group_members naming this type
    description: str = ""
    aliases: Mapping[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> list[Column[Any]]:
        """The table's columns a row carries (everything but secrets and search internals)."""
        return [c for c in self.model.__table__.columns if c.key not in HIDDEN_COLUMNS]

    @property
    def info(self) -> TypeInfo:
        """The type's names across IDs, GraphQL, MCP and import (accountlens/object_types.py)."""
        return TYPES[self.key]

    @property
    def account_column(self) -> Attr | None:
        """The column naming the account a record hangs off: its ``account`` reference."""
        ref = self.fields.get("account")
        return ref.column if ref is not None and ref.target == "account" else None

    @property
    def id_column(self) -> Attr:
        column: Attr = self.model.id
        return column


def _common(model: type[Any]) -> list[FieldSpec]:
    return [
        FieldSpec("created_at", model.created_at, "datetime", "When the record was created."),
        FieldSpec("updated_at", model.updated_at, "datetime", "When the record last changed."),
        FieldSpec("external_id", model.external_id, "string", "ID in the source system."),
    ]


def _by_key(*specs: FieldSpec) -> dict[str, FieldSpec]:
    return {s.key: s for s in specs}


def _ref(key: str, column: Attr, target: str, description: str) -> FieldSpec:
    return FieldSpec(key, column, "reference", description, target=target, sortable=False)


def _account(model: type[Any], description: str = "The account.") -> FieldSpec:
    """The ``account`` reference of a record that hangs off an account (``account_column``)."""
    return _ref("account", model.account_id, "account", description)


HEALTH_TRENDS = ("up", "flat", "down")
OPPORTUNITY_TYPES = ("new", "renewal", "expansion")
STAGE_CATEGORIES = ("open", "won", "lost")
TASK_STATUSES = ("open", "in_progress", "done", "cancelled")
TASK_PRIORITIES = ("low", "medium", "high", "urgent")
ACTIVITY_KINDS = ("email", "call", "meeting", "note")
PROJECT_STATUSES = ("planned", "active", "on_hold", "completed", "cancelled")
TICKET_STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
DOCUMENT_KINDS = ("transcript", "kb_article")

ACCOUNT = ObjectSpec(
    key="account",
    model=Account,
    visible=v.visible_accounts,
    description="A customer company.",
    fields=_by_key(
        FieldSpec("name", Account.name, "string", "Company name."),
        FieldSpec("domain", Account.domain, "string", "Primary web domain."),
        FieldSpec("industry", Account.industry, "string", "Industry."),
        FieldSpec("employees", Account.employees, "integer", "Number of employees."),
        FieldSpec("arr_amount", Account.arr_amount, "money", "Annual recurring revenue."),
        FieldSpec("arr_currency", Account.arr_currency, "string", "Currency of the ARR."),
        FieldSpec("lifecycle_stage", Account.lifecycle_stage, "string", "Lifecycle stage."),
        FieldSpec("health_score", Account.health_score, "integer", "Health score, 0-100."),
        FieldSpec("health_trend", Account.health_trend, "enum", "Health direction.", HEALTH_TRENDS),
        FieldSpec("renewal_date", Account.renewal_date, "date", "Next renewal date."),
        FieldSpec("licensed_seats", Account.licensed_seats, "integer", "Seats under contract."),
        _ref("owner", Account.owner_id, "user", "The account owner."),
        _ref("team", Account.team_id, "team", "The team that covers the account."),
        *_common(Account),
    ),
    name_column=Account.name,
    search_columns=(Account.name, Account.domain),
    default_sort=(("name", False),),
    group_member_column="account_id",
    aliases={"arr": "arr_amount", "health": "health_score", "renewal": "renewal_date"},
)

PERSON = ObjectSpec(
    key="person",
    model=Person,
    visible=v.visible_people,
    description="A contact at a customer account.",
    fields=_by_key(
        FieldSpec("name", Person.name, "string", "Full name."),
        FieldSpec("email", Person.email, "string", "Email address."),
        FieldSpec("title", Person.title, "string", "Job title."),
        FieldSpec(
            "persona",
            Person.persona,
            "string",
            "Role in the deal: champion, economic buyer, decision maker, user, detractor …",
        ),
        FieldSpec("phone", Person.phone, "string", "Phone number."),
        FieldSpec("last_contacted_at", Person.last_contacted_at, "datetime", "Last contact."),
        _account(Person, "The account the person works at."),
        *_common(Person),
    ),
    name_column=Person.name,
    search_columns=(Person.name, Person.email),
    default_sort=(("name", False),),
    group_member_column="person_id",
    aliases={"role": "persona"},
)

OPPORTUNITY = ObjectSpec(
    key="opportunity",
    model=Opportunity,
    visible=v.visible_opportunities,
    description="A deal: new business, renewal or expansion.",
    fields=_by_key(
        FieldSpec("name", Opportunity.name, "string", "Deal name."),
        FieldSpec("type", Opportunity.type, "enum", "Kind of deal.", OPPORTUNITY_TYPES),
        FieldSpec("stage", Opportunity.stage, "string", "Pipeline stage."),
        FieldSpec(
            "stage_category",
            Opportunity.stage_category,
            "enum",
            "Whether the deal is open, won or lost.",
            STAGE_CATEGORIES,
        ),
        FieldSpec("amount", Opportunity.amount, "money", "Deal amount."),
        FieldSpec("currency", Opportunity.currency, "string", "Currency of the amount."),
        FieldSpec("close_date", Opportunity.close_date, "date", "Expected or actual close."),
        FieldSpec("probability", Opportunity.probability, "integer", "Win probability, 0-100."),
        _ref("owner", Opportunity.owner_id, "user", "The deal owner."),
        _account(Opportunity, "The customer account."),
        *_common(Opportunity),
    ),
    name_column=Opportunity.name,
    search_columns=(Opportunity.name,),
    default_sort=(("close_date", False),),
    aliases={"status": "stage_category", "value": "amount"},
)

TASK = ObjectSpec(
    key="task",
    model=Task,
    visible=v.visible_tasks,
    description="An internal to-do, optionally about an account.",
    fields=_by_key(
        FieldSpec("title", Task.title, "string", "What to do."),
        FieldSpec("description", Task.description, "text", "Details.", sortable=False),
        FieldSpec("status", Task.status, "enum", "Progress.", TASK_STATUSES),
        FieldSpec("priority", Task.priority, "enum", "Urgency.", TASK_PRIORITIES),
        FieldSpec("due_date", Task.due_date, "date", "When it is due."),
        FieldSpec("completed_at", Task.completed_at, "datetime", "When it was done."),
        _account(Task, "The account it is about."),
        _ref("assignee", Task.assignee_id, "user", "Who does it."),
        _ref("creator", Task.creator_id, "user", "Who created it."),
        *_common(Task),
    ),
    name_column=Task.title,
    search_columns=(Task.title,),
    default_sort=(("due_date", False),),
    aliases={"name": "title", "due": "due_date"},
)

ACTIVITY = ObjectSpec(
    key="activity",
    model=Activity,
    visible=v.visible_activities,
    description="An email, call, meeting or note on an account.",
    fields=_by_key(
        FieldSpec("kind", Activity.kind, "enum", "Kind of activity.", ACTIVITY_KINDS),
        FieldSpec("subject", Activity.subject, "string", "Subject line."),
        FieldSpec("body", Activity.body, "text", "Content.", sortable=False),
        FieldSpec("occurred_at", Activity.occurred_at, "datetime", "When it happened."),
        _account(Activity),
        _ref("user", Activity.user_id, "user", "The colleague who logged it."),
        *_common(Activity),
    ),
    name_column=Activity.subject,
    search_columns=(Activity.subject,),
    default_sort=(("occurred_at", True),),
    aliases={"name": "subject", "type": "kind", "date": "occurred_at"},
)

PROJECT = ObjectSpec(
    key="project",
    model=Project,
    visible=v.visible_projects,
    description="An onboarding, implementation or similar project.",
    fields=_by_key(
        FieldSpec("name", Project.name, "string", "Project name."),
        FieldSpec("kind", Project.kind, "string", "Kind of project."),
        FieldSpec("status", Project.status, "enum", "Progress.", PROJECT_STATUSES),
        FieldSpec("start_date", Project.start_date, "date", "Start."),
        FieldSpec("due_date", Project.due_date, "date", "Due."),
        _account(Project),
        _ref("owner", Project.owner_id, "user", "Who leads it."),
        *_common(Project),
    ),
    name_column=Project.name,
    search_columns=(Project.name,),
    default_sort=(("due_date", False),),
    aliases={"type": "kind"},
)

TICKET = ObjectSpec(
    key="ticket",
    model=Ticket,
    visible=v.visible_tickets,
    description="A support ticket.",
    fields=_by_key(
        FieldSpec("subject", Ticket.subject, "string", "Subject."),
        FieldSpec("description", Ticket.description, "text", "Details.", sortable=False),
        FieldSpec("status", Ticket.status, "enum", "Status.", TICKET_STATUSES),
        FieldSpec("priority", Ticket.priority, "enum", "Priority.", TICKET_PRIORITIES),
        FieldSpec("opened_at", Ticket.opened_at, "datetime", "When it was opened."),
        FieldSpec("closed_at", Ticket.closed_at, "datetime", "When it was closed."),
        _account(Ticket),
        _ref("requester", Ticket.requester_id, "person", "The contact who asked."),
        *_common(Ticket),
    ),
    name_column=Ticket.subject,
    search_columns=(Ticket.subject,),
    default_sort=(("opened_at", True),),
    aliases={"name": "subject", "title": "subject", "opened": "opened_at"},
)

CONTRACT = ObjectSpec(
    key="contract",
    model=Contract,
    visible=v.visible_contracts,
    description="A contract an account has signed.",
    fields=_by_key(
        FieldSpec("name", Contract.name, "string", "Contract name."),
        FieldSpec("status", Contract.status, "enum", "Where it stands.", CONTRACT_STATUSES),
        FieldSpec("start_date", Contract.start_date, "date", "When the term starts."),
        FieldSpec("end_date", Contract.end_date, "date", "When the term ends."),
        FieldSpec("value_amount", Contract.value_amount, "money", "Contract value."),
        FieldSpec("value_currency", Contract.value_currency, "string", "Currency of the value."),
        FieldSpec(
            "renewal_terms", Contract.renewal_terms, "text", "How it renews.", sortable=False
        ),
        _account(Contract),
        *_common(Contract),
    ),
    name_column=Contract.name,
    search_columns=(Contract.name,),
    default_sort=(("end_date", False),),
    aliases={"value": "value_amount", "start": "start_date", "end": "end_date"},
)

CUSTOM_OBJECT = ObjectSpec(
    key="custom_object",
    model=CustomObjectInstance,
    visible=v.visible_custom_objects,
    description="A row of an org-defined custom object type.",
    fields=_by_key(
        FieldSpec("name", CustomObjectInstance.name, "string", "Display name."),
        _account(CustomObjectInstance),
        _ref("type", CustomObjectInstance.type_id, "custom_object_type", "The object type."),
        *_common(CustomObjectInstance),
    ),
    name_column=CustomObjectInstance.name,
    search_columns=(CustomObjectInstance.name,),
    default_sort=(("name", False),),
)

GROUP = ObjectSpec(
    key="group",
    model=Group,
    visible=v.visible_groups,
    description="A segment or list of accounts or people.",
    fields=_by_key(
        FieldSpec("name", Group.name, "string", "Group name."),
        FieldSpec("kind", Group.kind, "enum", "Segment or list.", ("segment", "list")),
        FieldSpec(
            "member_type", Group.member_type, "enum", "What it groups.", ("account", "person")
        ),
        FieldSpec("description", Group.description, "text", "What it is for.", sortable=False),
        *_common(Group),
    ),
    name_column=Group.name,
    search_columns=(Group.name,),
    default_sort=(("name", False),),
)

USER = ObjectSpec(
    key="user",
    model=User,
    visible=v.visible_users,
    description="A colleague with access to AccountLens.",
    fields=_by_key(
        FieldSpec("name", User.name, "string", "Full name."),
        FieldSpec("email", User.email, "string", "Email address."),
        FieldSpec("role", User.role, "enum", "Access level.", ("admin", "member")),
        FieldSpec("is_active", User.is_active, "boolean", "Whether the user may sign in."),
        *_common(User),
    ),
    name_column=User.name,
    search_columns=(User.name, User.email),
    default_sort=(("name", False),),
)

TEAM = ObjectSpec(
    key="team",
    model=Team,
    visible=v.visible_teams,
    description="A team of colleagues.",
    fields=_by_key(FieldSpec("name", Team.name, "string", "Team name."), *_common(Team)),
    name_column=Team.name,
    search_columns=(Team.name,),
    default_sort=(("name", False),),
)

DOCUMENT = ObjectSpec(
    key="document",
    model=Document,
    visible=v.visible_documents,
    description="A meeting transcript or knowledge-base article.",
    fields=_by_key(
        FieldSpec("title", Document.title, "string", "Title."),
        FieldSpec("kind", Document.kind, "enum", "Transcript or KB article.", DOCUMENT_KINDS),
        FieldSpec("occurred_at", Document.occurred_at, "datetime", "Meeting or publish time."),
        FieldSpec("duration_seconds", Document.duration_seconds, "integer", "Meeting length."),
        _account(Document),
        *_common(Document),
    ),
    name_column=Document.title,
    search_columns=(Document.title,),
    default_sort=(("occurred_at", True),),
    aliases={"name": "title", "date": "occurred_at"},
)

CUSTOM_OBJECT_TYPE = ObjectSpec(
    key="custom_object_type",
    model=CustomObjectType,
    visible=v.visible_custom_object_types,
    description="An org-defined object type.",
    fields=_by_key(
        FieldSpec("key", CustomObjectType.key, "string", "The type's key."),
        FieldSpec("label", CustomObjectType.label, "string", "Display label."),
        *_common(CustomObjectType),
    ),
    name_column=CustomObjectType.label,
    search_columns=(),
    default_sort=(("label", False),),
)

TASK_COMMENT = ObjectSpec(
    key="task_comment",
    model=TaskComment,
    visible=v.visible_task_comments,
    description="A comment on a task.",
    fields=_by_key(
        FieldSpec("body", TaskComment.body, "text", "The comment.", sortable=False),
        FieldSpec("posted_at", TaskComment.posted_at, "datetime", "When it was posted."),
        _ref("task", TaskComment.task_id, "task", "The task."),
        _ref("author", TaskComment.author_id, "user", "Who wrote it."),
        *_common(TaskComment),
    ),
    name_column=TaskComment.body,
    search_columns=(),
    default_sort=(("posted_at", False),),
)

SPECS: dict[str, ObjectSpec] = {
    s.key: s
    for s in (
        ACCOUNT,
        PERSON,
        OPPORTUNITY,
        TASK,
        ACTIVITY,
        PROJECT,
        TICKET,
        CONTRACT,
        CUSTOM_OBJECT,
        CUSTOM_OBJECT_TYPE,
        GROUP,
        USER,
        TEAM,
        DOCUMENT,
        TASK_COMMENT,
    )
}

#: The types keyword search covers, in the order ties are broken.
SEARCHABLE = tuple(k for k, s in SPECS.items() if s.search_columns)


def spec_for(key: str) -> ObjectSpec:
    """The spec of a type key, or ``BadInputError`` with the valid keys."""
    try:
        return SPECS[key]
    except KeyError:
        raise unknown_choice("object type", key, SPECS) from None
