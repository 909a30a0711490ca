"""Field definitions, custom object types and groups: the parts of an org that describe data.

Standard fields of every built-in type are listed with ``is_custom = false`` so that
``search_properties`` can describe a type completely; keys are column names, except references,
which drop ``_id`` (``owner``, ``account``). Custom fields live in each record's ``custom`` map.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Final

from accountlens.db.models import PROPERTY_DATA_TYPES
from accountlens.ingest.demo.cast import OrgContext
from accountlens.ingest.demo.rand import new_id
from accountlens.ingest.demo.vocab import FEATURES, INDUSTRIES, INTEGRATIONS, PERSONAS, REGIONS
from accountlens.ingest.demo.writer import Batch

#: (key, label, data type, description, allowed values)
Field = tuple[str, str, str, str, Sequence[Any] | None]

LIFECYCLE_STAGES = ("prospect", "onboarding", "customer", "churned")
OPEN_STAGES = ("Discovery", "Qualification", "Proposal", "Negotiation")
WON_STAGE, LOST_STAGE = "Closed Won", "Closed Lost"
TASK_STATUSES = ("open", "in_progress", "done", "cancelled")
TASK_PRIORITIES = ("low", "medium", "high", "urgent")
TICKET_STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
PROJECT_STATUSES = ("planned", "active", "on_hold", "completed", "cancelled")
PROJECT_KINDS = ("onboarding", "implementation", "migration", "success_plan", "internal")
ACTIVITY_KINDS = ("email", "call", "meeting", "note")
TIERS = ("Tier 1", "Tier 2", "Tier 3")
CHANNELS = ("email", "phone", "chat")
RISK_LEVELS = ("low", "medium", "high", "critical")
INTEGRATION_STATUSES = ("planned", "in_progress", "live", "failing")

_COMMON: Final[tuple[Field, ...]] = (
    ("created_at", "Created", "datetime", "When the record was created.", None),
    ("updated_at", "Updated", "datetime", "When the record last changed.", None),
    ("external_id", "External ID", "string", "ID in the system the record was imported from.",
     None),
)  # fmt: skip

STANDARD_FIELDS: Final[dict[str, tuple[Field, ...]]] = {
    "account": (
        ("name", "Name", "string", "Company name.", None),
        ("domain", "Domain", "string", "Primary web domain.", None),
        ("industry", "Industry", "enum", "Industry the company operates in.", INDUSTRIES),
        ("employees", "Employees", "integer", "Number of employees.", None),
        ("arr_amount", "ARR", "money", "Annual recurring revenue, in arr_currency.", None),
        ("arr_currency", "ARR currency", "string", "ISO 4217 code of the ARR.", None),
        ("lifecycle_stage", "Lifecycle stage", "enum", "Where the customer is in its lifecycle.",
         LIFECYCLE_STAGES),
        ("health_score", "Health score", "integer", "0 (about to churn) to 100 (thriving).", None),
        ("health_trend", "Health trend", "enum", "Direction of the health score over the last "
         "30 days.", ("up", "flat", "down")),
        ("renewal_date", "Renewal date", "date", "When the current contract renews.", None),
        ("licensed_seats", "Licensed seats", "integer", "Seats the customer pays for.", None),
        ("owner", "Owner", "reference", "The user who owns the account.", None),
        ("team", "Team", "reference", "The team the account belongs to.", None),
    ),
    "person": (
        ("name", "Name", "string", "Full name.", None),
        ("email", "Email", "string", "Work email address.", None),
        ("title", "Title", "string", "Job title.", None),
        ("persona", "Persona", "enum", "The contact's role in buying and using the product.",
         PERSONAS),
        ("phone", "Phone", "string", "Work phone number.", None),
        ("last_contacted_at", "Last contacted", "datetime", "Most recent activity with them.",
         None),
        ("account", "Account", "reference", "The account the contact works at.", None),
    ),
    "opportunity": (
        ("name", "Name", "string", "Deal name.", None),
        ("type", "Type", "enum", "New business, renewal or expansion.",
         ("new", "renewal", "expansion")),
        ("stage", "Stage", "enum", "Sales stage.", (*OPEN_STAGES, WON_STAGE, LOST_STAGE)),
        ("stage_category", "Stage category", "enum", "Whether the deal is open, won or lost.",
         ("open", "won", "lost")),
        ("amount", "Amount", "money", "Deal value, in currency.", None),
        ("currency", "Currency", "string", "ISO 4217 code of the amount.", None),
        ("close_date", "Close date", "date", "Expected or actual close date.", None),
        ("probability", "Probability", "integer", "Chance to win, 0-100.", None),
        ("owner", "Owner", "reference", "The user who owns the deal.", None),
        ("account", "Account", "reference", "The customer account.", None),
    ),
    "task": (
        ("title", "Title", "string", "What needs doing.", None),
        ("description", "Description", "text", "Details.", None),
        ("status", "Status", "enum", "Progress of the task.", TASK_STATUSES),
        ("priority", "Priority", "enum", "How urgent it is.", TASK_PRIORITIES),
        ("due_date", "Due date", "date", "When it is due.", None),
        ("completed_at", "Completed", "datetime", "When it was done.", None),
        ("assignee", "Assignee", "reference", "The user doing the task.", None),
        ("creator", "Creator", "reference", "The user who created it.", None),
        ("account", "Account", "reference", "The account it concerns, if any.", None),
    ),
    "activity": (
        ("kind", "Kind", "enum", "Email, call, meeting or note.", ACTIVITY_KINDS),
        ("subject", "Subject", "string", "One-line summary.", None),
        ("body", "Body", "text", "What happened.", None),
        ("occurred_at", "Occurred", "datetime", "When it happened.", None),
        ("user", "User", "reference", "The user who logged it.", None),
        ("account", "Account", "reference", "The account it concerns.", None),
    ),
    "project": (
        ("name", "Name", "string", "Project name.", None),
        ("kind", "Kind", "enum", "Type of project.", PROJECT_KINDS),
        ("status", "Status", "enum", "Project status.", PROJECT_STATUSES),
        ("start_date", "Start date", "date", "When work started.", None),
        ("due_date", "Due date", "date", "Target completion date.", None),
        ("owner", "Owner", "reference", "The user leading it.", None),
        ("account", "Account", "reference", "The account it serves, if any.", None),
    ),
    "ticket": (
        ("subject", "Subject", "string", "Short description of the problem.", None),
        ("description", "Description", "text", "What the customer reported.", None),
        ("status", "Status", "enum", "Support status.", TICKET_STATUSES),
        ("priority", "Priority", "enum", "Support priority.", TICKET_PRIORITIES),
        ("opened_at", "Opened", "datetime", "When it was opened.", None),
        ("closed_at", "Closed", "datetime", "When it was closed.", None),
        ("requester", "Requester", "reference", "The contact who raised it.", None),
        ("account", "Account", "reference", "The customer account.", None),
    ),
}  # fmt: skip

CUSTOM_FIELDS: Final[dict[str, tuple[Field, ...]]] = {
    "account": (
        ("tier", "Tier", "enum", "Service tier, by contract size.", TIERS),
        ("nps", "NPS", "integer", "Latest Net Promoter Score response (-100 to 100).", None),
        ("region", "Region", "enum", "Sales region.", REGIONS),
    ),
    "person": (
        ("linkedin_url", "LinkedIn URL", "string", "Profile link.", None),
        ("preferred_channel", "Preferred channel", "enum", "How they like to be reached.",
         CHANNELS),
    ),
}  # fmt: skip

#: key -> (label, plural, description, fields)
CUSTOM_OBJECT_TYPES: Final[dict[str, tuple[str, str, str, tuple[Field, ...]]]] = {
    "renewal_risk": (
        "Renewal Risk Assessment", "Renewal Risk Assessments",
        "A CSM's assessment of how likely an account is to renew, and the plan to save it.",
        (
            ("risk_level", "Risk level", "enum", "How likely the renewal is to be lost.",
             RISK_LEVELS),
            ("drivers", "Risk drivers", "text", "Why the renewal is at risk.", None),
            ("arr_at_risk", "ARR at risk", "money", "Recurring revenue that could be lost (USD).",
             None),
            ("assessed_on", "Assessed on", "date", "When the assessment was made.", None),
            ("mitigation_plan", "Mitigation plan", "text", "What we are doing about it.", None),
        ),
    ),
    "integration": (
        "Integration", "Integrations",
        "A connection between the product and another system the customer runs.",
        (
            ("system", "System", "enum", "The connected system.", INTEGRATIONS),
            ("status", "Status", "enum", "Whether the integration works.", INTEGRATION_STATUSES),
            ("feature", "Feature", "enum", "The product area it feeds.", FEATURES),
            ("live_since", "Live since", "date", "When it went live.", None),
            ("records_synced", "Records synced", "integer", "Records synced in the last 30 days.",
             None),
        ),
    ),
}  # fmt: skip

#: name -> (kind, member type, description)
GROUPS: Final[dict[str, tuple[str, str, str]]] = {
    "At Risk": ("segment", "account", "Accounts whose renewal is in danger."),
    "Strategic": ("segment", "account", "Our largest and most important customers."),
    "Expansion Candidates": ("segment", "account", "Healthy accounts ready to grow."),
    "Champions": ("list", "person", "Contacts who advocate for us inside their company."),
    "Executive Sponsors": ("list", "person", "Executives who sponsor the relationship."),
}


def add_definitions(ctx: OrgContext, out: Batch) -> None:
    """Property definitions, custom object types and groups of one org."""
    rng = ctx.rng("definitions")
    created = ctx.now - timedelta(days=900)

    def define(object_type: str, fields: Sequence[Field], *, is_custom: bool, start: int) -> None:
        for position, (key, label, data_type, description, allowed) in enumerate(fields, start):
            if data_type not in PROPERTY_DATA_TYPES:
                raise ValueError(f"{object_type}.{key}: unknown data type {data_type}")
            out.record(
                "property_definitions",
                ctx.id,
                new_id(rng),
                created,
                object_type=object_type,
                key=key,
                label=label,
                description=description,
                data_type=data_type,
                allowed_values=list(allowed) if allowed else None,
                is_custom=is_custom,
                filterable=data_type != "text",
                sortable=data_type not in ("text", "reference"),
                position=position,
            )

    for object_type, fields in STANDARD_FIELDS.items():
        define(object_type, (*fields, *_COMMON), is_custom=False, start=0)
        custom = CUSTOM_FIELDS.get(object_type, ())
        define(object_type, custom, is_custom=True, start=len(fields) + len(_COMMON))

    for object_type, key in ctx.spec.hidden_fields:
        out.add(
            "field_security",
            {"org_id": ctx.id, "object_type": object_type, "field": key, "hidden_at": created,
             "hidden_by": None},
        )  # fmt: skip

    for key, (label, plural, description, fields) in CUSTOM_OBJECT_TYPES.items():
        ctx.custom_type_ids[key] = new_id(rng)
        out.record(
            "custom_object_types",
            ctx.id,
            ctx.custom_type_ids[key],
            created,
            key=key,
            label=label,
            label_plural=plural,
            description=description,
        )
        define(f"custom:{key}", fields, is_custom=True, start=0)

    for name, (kind, member_type, description) in GROUPS.items():
        ctx.group_ids[name] = new_id(rng)
        out.record(
            "groups",
            ctx.id,
            ctx.group_ids[name],
            created,
            name=name,
            kind=kind,
            member_type=member_type,
            description=description,
        )
