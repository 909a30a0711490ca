"""SPEC §4 computed independently of the resolvers: from raw table rows, in plain Python.

The matrix tests compare what the API returns with what these functions say a principal may
see. Nothing here imports the visibility module or any resolver.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database

TABLES = [
    "orgs",
    "users",
    "teams",
    "team_members",
    "accounts",
    "account_team_members",
    "people",
    "opportunities",
    "activities",
    "tickets",
    "contracts",
    "tasks",
    "task_comments",
    "projects",
    "project_members",
    "custom_object_types",
    "custom_object_instances",
    "documents",
    "document_participants",
    "groups",
    "group_members",
]


@dataclass
class Snapshot:
    """Every row of the tables visibility depends on, as dicts."""

    tables: dict[str, list[dict[str, Any]]]
    chunks: list[dict[str, Any]]

    def rows(self, table: str, org_id: uuid.UUID) -> list[dict[str, Any]]:
        return [r for r in self.tables[table] if r["org_id" if table != "orgs" else "id"] == org_id]


async def snapshot(db: Database) -> Snapshot:
    tables: dict[str, list[dict[str, Any]]] = {}
    async with db.engine.connect() as conn:
        for table in TABLES:
            result = await conn.execute(text(f"SELECT * FROM {table}"))
            tables[table] = [dict(r) for r in result.mappings()]
        result = await conn.execute(
            text("SELECT org_id, id, document_id, kind, account_id FROM document_chunks")
        )
        chunks = [dict(r) for r in result.mappings()]
    return Snapshot(tables, chunks)


def visible_ids(snap: Snapshot, who: Principal) -> dict[str, set[uuid.UUID]]:
    """Type key -> ids ``who`` may see, per SPEC §4."""
    org = who.org_id
    me = who.user_id

    def rows(table: str) -> list[dict[str, Any]]:
        return snap.rows(table, org)

    (org_row,) = rows("orgs")
    admin = who.role == "admin"
    every = admin or org_row["account_visibility"] == "open"
    my_teams = {r["team_id"] for r in rows("team_members") if r["user_id"] == me}
    on_team = {r["account_id"] for r in rows("account_team_members") if r["user_id"] == me}
    accounts = {
        a["id"]
        for a in rows("accounts")
        if every or a["owner_id"] == me or a["id"] in on_team or a["team_id"] in my_teams
    }

    def attached(table: str) -> set[uuid.UUID]:
        return {r["id"] for r in rows(table) if r["account_id"] in accounts}

    people = attached("people")
    tasks = {
        t["id"]
        for t in rows("tasks")
        if admin
        or t["account_id"] in accounts
        or (t["account_id"] is None and me in (t["assignee_id"], t["creator_id"]))
    }
    members: defaultdict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for r in rows("project_members"):
        members[r["project_id"]].add(r["user_id"])
    projects = {
        p["id"]
        for p in rows("projects")
        if admin
        or p["account_id"] in accounts
        or (p["account_id"] is None and (p["owner_id"] == me or me in members[p["id"]]))
    }
    took_part = {r["document_id"] for r in rows("document_participants") if r["user_id"] == me}
    documents = {
        d["id"]
        for d in rows("documents")
        if admin
        or d["kind"] == "kb_article"
        or d["account_id"] in accounts
        or (d["account_id"] is None and d["id"] in took_part)
    }
    return {
        "account": accounts,
        "person": people,
        "opportunity": attached("opportunities"),
        "activity": attached("activities"),
        "ticket": attached("tickets"),
        "contract": attached("contracts"),
        "task": tasks,
        "task_comment": {c["id"] for c in rows("task_comments") if c["task_id"] in tasks},
        "project": projects,
        "custom_object": {
            c["id"]
            for c in rows("custom_object_instances")
            if c["account_id"] is None or c["account_id"] in accounts
        },
        "document": documents,
        "chunk": {
            c["id"] for c in snap.chunks if c["org_id"] == org and c["document_id"] in documents
        },
        "user": {u["id"] for u in rows("users")},
        "team": {t["id"] for t in rows("teams")},
        "group": {g["id"] for g in rows("groups")},
        "group_member": {
            m["id"]
            for m in rows("group_members")
            if m["account_id"] in accounts or m["person_id"] in people
        },
    }


def all_ids(snap: Snapshot) -> dict[str, set[uuid.UUID]]:
    """Every id of every org, per type key (for lookups that must fail)."""
    tables = {
        "account": "accounts",
        "person": "people",
        "opportunity": "opportunities",
        "activity": "activities",
        "ticket": "tickets",
        "contract": "contracts",
        "task": "tasks",
        "task_comment": "task_comments",
        "project": "projects",
        "custom_object": "custom_object_instances",
        "document": "documents",
        "user": "users",
        "team": "teams",
        "group": "groups",
    }
    return {key: {r["id"] for r in snap.tables[table]} for key, table in tables.items()}
