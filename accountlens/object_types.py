"""The object type catalogue: every built-in type's names, as plain data every layer may read.

One :class:`TypeInfo` per type says its ID prefix, the GraphQL type that renders it, its root list
field (set = ``list_objects`` lists it and its properties can be discovered), what an MCP record
shows by default, whether it hangs off an account, and whether a connection may be narrowed to
leave it out (its consent page label). The resolver registry adds the SQL side (table,
visibility, filters) per key; ID prefixes, the MCP type list and defaults, search's account links,
the narrowable types and the importer's type list are derived from here, so adding a type edits
no other list.
It sits below every layer (pure data and the GraphQL naming rule, no imports) so the MCP adapter,
the web pages and the importer can use it without reaching the resolvers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@lru_cache(maxsize=4096)
def snake_case(graphql_name: str) -> str:
    """A GraphQL field name as our key: ``healthScore`` -> ``health_score``.

    GraphQL names are the camelCase of our snake_case keys (Strawberry's default), so this is
    the one way back, for MCP records and the web pages alike. Kept per name: every key of
    every answer passes through here (~100 a product-usage answer), and the names are few.
    """
    return "".join(
        "_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(graphql_name)
    )


@dataclass(frozen=True, slots=True)
class TypeInfo:
    """The names of one object type across IDs, GraphQL, MCP and import."""

    key: str
    id_prefix: str  # global IDs read ``<prefix>_<base62 uuid>`` (schema/ids.py)
    graphql_type: str
    list_field: str | None = None
    mcp_fields: tuple[str, ...] = ()
    account_attached: bool = False
    #: Set = a person may leave the type out of a connection on the consent page (SPEC §6),
    #: which shows it under this label; every read of it then honours that choice.
    consent_label: str | None = None

    @property
    def plural(self) -> str:
        """The type in plain words, plural, as messages and pages name it ("task comments")."""
        return (self.list_field or f"{self.key}s").replace("_", " ")


TYPES: dict[str, TypeInfo] = {
    t.key: t
    for t in (
        TypeInfo(
            "account", "acc", "Account", "accounts",
            ("domain", "industry", "lifecycle_stage", "health_score", "health_trend", "arr",
             "renewal_date", "owner"), consent_label="Accounts",
        ),
        TypeInfo(
            "person", "per", "Person", "people", ("title", "email", "persona", "account"), True,
            "People",
        ),
        TypeInfo(
            "opportunity", "opp", "Opportunity", "opportunities",
            ("type", "stage", "stage_category", "amount", "close_date", "account", "owner"), True,
            "Opportunities",
        ),
        TypeInfo(
            "task", "tsk", "Task", "tasks",
            ("status", "priority", "due_date", "assignee", "account"), True,
            "Tasks and their comments",
        ),
        TypeInfo(
            "activity", "act", "Activity", "activities",
            ("kind", "occurred_at", "account", "user"), True,
            "Activities (e-mails, calls, meetings, notes)",
        ),
        TypeInfo(
            "project", "prj", "Project", "projects",
            ("kind", "status", "start_date", "due_date", "account", "owner"), True, "Projects",
        ),
        TypeInfo(
            "ticket", "tkt", "Ticket", "tickets",
            ("status", "priority", "opened_at", "closed_at", "account", "requester"), True,
            "Support tickets",
        ),
        TypeInfo(
            "contract", "ctr", "Contract", "contracts",
            ("status", "start_date", "end_date", "value", "renewal_terms", "account"), True,
            "Contracts",
        ),
        TypeInfo(
            "custom_object", "cob", "CustomObject", None, ("values", "account"),
            consent_label="Custom objects",
        ),
        TypeInfo("custom_object_type", "cot", "CustomObjectType", None, ("key", "label", "count")),
        TypeInfo("group", "grp", "Group", None, ("kind", "member_type", "description")),
        TypeInfo("user", "usr", "User", None, ("email", "role")),
        TypeInfo("team", "team", "Team", None, ("members",)),
        TypeInfo("document", "doc", "Document", None, ("kind", "occurred_at", "account")),
        TypeInfo("task_comment", "tcm", "TaskComment", None, ("posted_at", "author", "body")),
    )
}  # fmt: skip

#: Types ``list_objects`` lists and whose properties can be discovered, in catalogue order.
LISTABLE: tuple[str, ...] = tuple(k for k, t in TYPES.items() if t.list_field)

#: Listable types whose records hang off an account (search hits show that account).
ACCOUNT_ATTACHED: tuple[str, ...] = tuple(k for k in LISTABLE if TYPES[k].account_attached)

#: ``list_objects`` types: type key -> (root list field, GraphQL type).
LIST_TYPES: dict[str, tuple[str, str]] = {
    k: (t.list_field, t.graphql_type) for k, t in TYPES.items() if t.list_field
}

#: Every record type an ID can name: type key -> GraphQL type.
NODE_TYPES: dict[str, str] = {k: t.graphql_type for k, t in TYPES.items()}

#: Types a connection may be narrowed to, in catalogue order: type key -> its consent page label.
#: Colleagues, teams, groups and custom object *definitions* are the org's directory and stay
#: readable; documents are narrowed by kind instead (transcripts, knowledge base).
NARROWABLE: dict[str, str] = {k: t.consent_label for k, t in TYPES.items() if t.consent_label}

#: What a record shows when the caller names no ``fields``: enough to answer, little to read.
DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {k: t.mcp_fields for k, t in TYPES.items()}
