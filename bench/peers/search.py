"""Keyword search as the cheapest correct SQL per user class, and ``search_objects``'s answer.

The tool's search (``accountlens/resolvers/search.py``) ranks every searchable type by trigram
similarity plus a prefix bonus; this is the same ranking written by hand, one branch per type
with that type's visibility for the caller's class, in one statement that also counts the
matches. Admins read the whole org. Every member reads account-attached rows of the accounts
they see (in an open org: every row that has an account; in a restricted one: their book), and
each type's own rule for rows without an account (their own tasks, projects they own or are on,
meetings they took part in, knowledge-base articles, account-less custom objects). A field an
admin hid from members is not searched, as in the tool.
"""

# ruff: noqa: S608 - the statement is built from constant fragments; values are parameters.
from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from accountlens.schema.ids import encode_id
from bench.peers.sql import MEMBER_VISIBLE, Caller, Conn

#: Per type, in the tool's order: key, table, name column, searched columns, account column,
#: and the rule for members (see the module docstring).
TYPES = (
    ("account", "accounts", "name", ("name", "domain"), None, "account"),
    ("person", "people", "name", ("name", "email"), "account_id", "attached"),
    ("opportunity", "opportunities", "name", ("name",), "account_id", "attached"),
    ("task", "tasks", "title", ("title",), "account_id", "task"),
    ("activity", "activities", "subject", ("subject",), "account_id", "attached"),
    ("project", "projects", "name", ("name",), "account_id", "project"),
    ("ticket", "tickets", "subject", ("subject",), "account_id", "attached"),
    ("contract", "contracts", "name", ("name",), "account_id", "attached"),
    ("custom_object", "custom_object_instances", "name", ("name",), None, "custom"),
    ("group", "groups", "name", ("name",), None, "org"),
    ("user", "users", "name", ("name", "email"), None, "org"),
    ("team", "teams", "name", ("name",), None, "org"),
    ("document", "documents", "title", ("title",), None, "document"),
)
#: Free-text columns matched by word similarity only (as the tool does).
SENTENCES = {("activity", "subject"), ("ticket", "subject"), ("task", "title"),
             ("document", "title")}  # fmt: skip
PREFIX_BONUS = 0.5


def _sees(c: Caller, column: str) -> str:
    """The account rule of a member on ``column``: their book, or any account in an open org."""
    return f"{column} IS NOT NULL" if c.sees_all else f"{column} IN ({MEMBER_VISIBLE})"


def _rule(c: Caller, rule: str) -> str:
    """The visibility of a member on one type's rows (alias ``x``); empty for an admin."""
    if c.admin or rule == "org":
        return ""
    sees = _sees(c, "x.account_id")
    mine = {
        "account": None,
        "attached": None,
        "task": "x.assignee_id = $2 OR x.creator_id = $2",
        "project": "x.owner_id = $2 OR EXISTS (SELECT 1 FROM project_members pm WHERE "
        "pm.org_id = $1 AND pm.project_id = x.id AND pm.user_id = $2)",
        "custom": "true",
        "document": "EXISTS (SELECT 1 FROM document_participants dp WHERE dp.org_id = $1 "
        "AND dp.document_id = x.id AND dp.user_id = $2)",
    }[rule]
    if rule == "account":
        return f" AND {_sees(c, 'x.id')}"
    if mine is None:
        return f" AND {sees}"
    kb = "x.kind = 'kb_article' OR " if rule == "document" else ""
    return f" AND ({kb}{sees} OR (x.account_id IS NULL AND ({mine})))"


def search_sql(c: Caller) -> str:
    """Page (26 rows) and total of the visible matches: $1 org, [$2 user], then q, prefixes,
    and the candidates read per tier (the cap plus one; NULL reads every match).

    Each type is read in two capped tiers, as the tool reads it: rows whose name starts with
    the query, then every other match, each a materialised CTE with the ``LIMIT`` outside (the
    tool's reasons are in ``resolvers/search.py``); the total counts what was read, and is a
    lower bound when a tier was cut.
    """
    first = 2 if c.admin else 3
    q, prefix, word, cap = (f"${first + i}" for i in range(4))
    tiers, reads = [], []
    for key, table, name, columns, account, rule in TYPES:
        searched = [col for col in columns if (key, col) not in c.concealed]
        scores, matches = [], []
        for col in searched:
            text = f"coalesce(x.{col}, '')"
            scores.append(f"greatest(similarity({text}, {q}), word_similarity({q}, {text})) + "
                          f"CASE WHEN {text} ILIKE {prefix} ESCAPE '\\' "
                          f"THEN {PREFIX_BONUS}::float8 ELSE 0.0::float8 END")  # fmt: skip
            if (key, col) not in SENTENCES:
                matches.append(f"x.{col} % {q}")
            matches += [f"{q} <% x.{col}", f"x.{col} ILIKE {prefix} ESCAPE '\\'",
                        f"x.{col} ILIKE {word} ESCAPE '\\'"]  # fmt: skip
        score = scores[0] if len(scores) == 1 else f"greatest({', '.join(scores)})"
        starts = f"x.{name} ILIKE {prefix} ESCAPE '\\'"
        wheres = (starts, f"({' OR '.join(matches)}) AND NOT {starts}")
        for tier, where in enumerate(wheres):
            tiers.append(
                f"{key}_{tier} AS MATERIALIZED (SELECT '{key}' AS type_key, x.id, "
                f"CAST({score} AS float8) AS score, x.{name} AS matched, x.updated_at, "
                f"{f'x.{account}' if account else 'NULL::uuid'} AS account_id, {tier} AS tier "
                f"FROM {table} x WHERE x.org_id = $1{_rule(c, rule)} AND {where})"
            )
            reads.append(f"(SELECT * FROM {key}_{tier} LIMIT {cap})")
    union = "\n  UNION ALL ".join(reads)
    ctes = ",\n".join(tiers)
    return f"""
WITH {ctes},
matches AS MATERIALIZED (
  {union}
)
SELECT m.*, acc.name AS account_name, (SELECT count(*) FROM matches) AS total,
       EXISTS (SELECT 1 FROM matches GROUP BY type_key, tier HAVING count(*) >= {cap}) AS capped
FROM matches m LEFT JOIN accounts acc ON acc.org_id = $1 AND acc.id = m.account_id
ORDER BY m.score DESC, m.type_key, m.id LIMIT 26"""


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_args(caller: Caller, query: str, cap: int) -> list[Any]:
    """The statement's values; ``cap`` is the server's ``search_candidate_cap`` (0: none)."""
    who = [caller.org_id] if caller.admin else [caller.org_id, caller.user_id]
    return [*who, query, _like(query) + "%", "% " + _like(query) + "%", cap + 1 if cap else None]


def _next_cursor(query: str, offset: int) -> str:
    """The tool's cursor after ``offset`` hits of ``query`` over every searchable type."""
    types = ",".join(key for key, *_ in TYPES)
    signature = hashlib.sha256(f"{query}|{types}".encode()).hexdigest()[:10]
    raw = json.dumps({"s": signature, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def search_objects(
    conn: Conn, caller: Caller, base_url: str, query: str, cap: int
) -> dict[str, Any]:
    """``search_objects(query=…)``: the first page of ranked visible matches, with the total."""
    query = " ".join(query.split())
    rows = await conn.fetch(search_sql(caller), *search_args(caller, query, cap))
    page = rows[:25]
    records = []
    for r in page:
        typed = encode_id(r["type_key"], r["id"])
        record: dict[str, Any] = {"id": typed, "type": r["type_key"],
                                  "name": "" if r["matched"] is None else r["matched"],
                                  "url": f"{base_url}/records/{typed}"}  # fmt: skip
        if r["updated_at"] is not None:
            record["updated_at"] = r["updated_at"].isoformat().replace("+00:00", "Z")
        if r["account_id"] is not None:
            record["account"] = {"id": encode_id("account", r["account_id"]),
                                 "name": r["account_name"]}  # fmt: skip
        record["matched"] = r["matched"]
        record["score"] = round(float(r["score"]), 3)
        records.append(record)
    answer: dict[str, Any] = {"total": int(rows[0]["total"]) if rows else 0}
    if rows and rows[0]["capped"]:
        answer["total_is_lower_bound"] = True
    return answer | {
        "count": len(records),
        "next_cursor": _next_cursor(query, len(page)) if len(rows) > 25 else None,
        "records": records,
    }
