"""What a record page shows beyond its fields: labels, related lists, comments, article text.

* **Labels** come from the org's property definitions (``properties(objectType:)``), so a field
  reads "ARR" or "NPS" as the admin named it, not "Arr"; a field without a definition falls
  back to its name in words.
* **Related lists** are fields the page's query asks for under a ``related…``/``member…``
  alias (an account's people, opportunities, tickets, activities and tasks; a group's member
  accounts and people), each shown as a list of links under its own heading.
* **Comments** of a task come in the record's query (``taskComments``), oldest first.
* **Article text** (knowledge-base articles, long descriptions) is split into paragraphs at
  blank lines, so it wraps like prose instead of one preformatted block.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from accountlens.object_types import snake_case

LABELS = "query Labels($type: String!) { properties(objectType: $type) { key label } }"

#: The page query's aliases for fields whose GraphQL name is not the property's.
_ALIASES = {"personEmail": "email", "jobTitle": "title", "userEmail": "email"}

#: Related lists: the query's alias → the heading on the page.
RELATED = {
    "relatedPeople": "People",
    "relatedOpportunities": "Opportunities",
    "relatedTickets": "Tickets",
    "relatedActivities": "Activities",
    "relatedTasks": "Tasks",
    "memberAccounts": "Member accounts",
    "memberPeople": "Member people",
}
COMMENTS = "taskComments"


def snake(key: str) -> str:
    """``lifecycleStage`` → ``lifecycle_stage`` (GraphQL field → property key)."""
    return snake_case(_ALIASES.get(key, key))


def fallback_label(key: str) -> str:
    words = snake(key).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def label_for(key: str, labels: Mapping[str, str]) -> str:
    """The definition's label for a GraphQL field or custom key; money fields are stored as
    ``<key>_amount`` (``arr`` → ``arr_amount``, labelled "ARR")."""
    name = snake(key)
    return labels.get(name) or labels.get(f"{name}_amount") or fallback_label(key)


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    href: str


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    links: list[Link]


def _links(value: Any) -> list[Link]:
    items = value.get("nodes", []) if isinstance(value, Mapping) else value or []
    return [Link(str(i["displayName"]), f"/records/{i['id']}") for i in items]


def related_sections(node: Mapping[str, Any]) -> list[Section]:
    """The related lists the record has, in the order of :data:`RELATED` (empty ones too,
    for an account: "no tickets" is worth seeing)."""
    member_type = node.get("memberType")  # a group lists members of its one type
    skipped = {"account": {"memberPeople"}, "person": {"memberAccounts"}}.get(str(member_type))
    return [
        Section(title, _links(node[key]))
        for key, title in RELATED.items()
        if key in node and key not in (skipped or set())
    ]


@dataclass(frozen=True, slots=True)
class Comment:
    author: str
    posted_at: str
    paragraphs: list[str]


def comments_of(node: Mapping[str, Any]) -> list[Comment] | None:
    """A task's comments, oldest first; None for other records."""
    if COMMENTS not in node:
        return None
    return [
        Comment(
            (c.get("author") or {}).get("displayName") or "Someone",
            str(c.get("postedAt") or ""),
            paragraphs(str(c.get("body") or "")),
        )
        for c in node[COMMENTS]
    ]


def paragraphs(text: str) -> list[str]:
    """Prose split at blank lines; single line breaks stay inside a paragraph."""
    parts = [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n")]
    return [p for p in parts if p]
