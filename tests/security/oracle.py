"""What every demo user may see, computed from raw rows (``tests.schema.expected``), and the
checks the fuzz tests apply to every answer: each global ID in it is one the caller may see,
and each record's name is that record's own.

Nothing here imports a resolver or the visibility module.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from accountlens.resolvers.values import is_storable_text
from accountlens.schema.ids import PREFIXES, decode_id
from tests.schema.expected import Snapshot, snapshot, visible_ids

#: Type key -> (table, column shown as ``displayName``) for the types a global ID can name.
TABLES: dict[str, tuple[str, str]] = {
    "account": ("accounts", "name"),
    "person": ("people", "name"),
    "opportunity": ("opportunities", "name"),
    "activity": ("activities", "subject"),
    "ticket": ("tickets", "subject"),
    "task": ("tasks", "title"),
    "task_comment": ("task_comments", "body"),
    "project": ("projects", "name"),
    "custom_object": ("custom_object_instances", "name"),
    "custom_object_type": ("custom_object_types", "label"),
    "document": ("documents", "title"),
    "user": ("users", "name"),
    "team": ("teams", "name"),
    "group": ("groups", "name"),
}

#: Strings that only a server fault would put in an answer.
INTERNALS = (
    "Traceback",
    'File "',
    "site-packages",
    "/work/",
    "accountlens/",
    "sqlalchemy",
    "asyncpg",
    "psycopg",
    "Unexpected error",
    "Internal Server Error",
)


#: A global ID of any type, standing on its own in a text.
ID_PATTERN = re.compile(
    r"(?<![0-9A-Za-z_])(?:"
    + "|".join(sorted(PREFIXES.values()))
    + r")_[0-9A-Za-z]{22}(?![0-9A-Za-z])"
)
#: An unpaired UTF-16 surrogate (valid in a Python string, in no UTF-8 text).
SURROGATE = re.compile("[\ud800-\udfff]")


def assert_tool_error_is_clean(result: dict[str, Any], where: object) -> None:
    """An ``isError`` result is ours: ``{"error": {"code", "message"}}`` in structured content
    and the same JSON as text, wrongly typed arguments included (never the SDK's free text)."""
    text = result["content"][0]["text"]
    structured = result.get("structuredContent")
    assert structured is not None, (where, text)
    assert "pydantic" not in text, (where, text)
    assert json.loads(text) == structured, (where, text)
    error = structured.get("error")
    assert isinstance(error, dict), (where, structured)
    assert error.get("code"), (where, structured)
    assert error["code"] not in ("INTERNAL", "UNAVAILABLE"), (where, structured)  # a fault
    assert error.get("message"), (where, structured)


@dataclass
class Oracle:
    """Every user of both demo orgs and, per user, the IDs SPEC §4 lets them see."""

    snap: Snapshot
    principals: list[Principal]
    visible: dict[uuid.UUID, dict[str, set[uuid.UUID]]]
    #: Every ID of every org, per type key (both orgs together).
    everything: dict[str, set[uuid.UUID]]
    #: The displayName of every record, by (type key, id).
    names: dict[tuple[str, uuid.UUID], str]
    #: The org of every record, by id.
    org_of: dict[uuid.UUID, uuid.UUID]
    #: Field-level security, read from the raw rows: org -> type key -> hidden field keys.
    hidden: dict[uuid.UUID, dict[str, frozenset[str]]]

    def __repr__(self) -> str:  # Hypothesis prints fixtures with a failing example
        return f"Oracle({len(self.principals)} users)"

    def admin_of(self, org_id: uuid.UUID) -> Principal:
        return next(p for p in self.principals if p.org_id == org_id and p.role == "admin")

    def may_see(self, who: Principal, type_key: str, value: uuid.UUID) -> bool:
        """Whether ``who`` may see the record (a record of no known type: never)."""
        visible = self.visible[who.user_id]
        if type_key in visible:
            return value in visible[type_key]
        if type_key == "custom_object_type":
            kinds = self.everything["custom_object_type"]
            return value in kinds and self.org_of[value] == who.org_id
        if type_key == "org":
            return value == who.org_id
        return False

    def may_see_id(self, who: Principal, global_id: str) -> bool:
        decoded = decode_id(global_id)
        return decoded is not None and self.may_see(who, *decoded)

    def fetchable(self, who: Principal, global_id: str) -> bool:
        """Whether ``node(id:)`` returns the record to ``who`` (passages are not nodes)."""
        decoded = decode_id(global_id)
        return decoded is not None and decoded[0] in TABLES and self.may_see(who, *decoded)

    def hidden_for(self, who: Principal, type_key: str) -> frozenset[str]:
        """The fields of ``type_key`` that do not exist for ``who`` (none for an admin)."""
        if who.role == "admin":
            return frozenset()
        return self.hidden.get(who.org_id, {}).get(type_key, frozenset())

    def check_no_hidden_fields(self, who: Principal, answer: Any, where: object) -> None:
        """No record in ``answer`` carries a field hidden from ``who``: a GraphQL field of that
        name is null, an MCP record has no such key, a ``custom`` map lacks it."""
        for obj in objects(answer):
            decoded = decode_id(obj.get("id")) if isinstance(obj.get("id"), str) else None
            if decoded is None:
                continue
            for key in self.hidden_for(who, decoded[0]):
                for name in answer_names(key):
                    assert obj.get(name) is None, (where, who.email, obj["id"], name)
                for values in (obj.get("custom"), obj.get("values")):
                    if isinstance(values, dict):
                        assert key not in values, (where, who.email, obj["id"], key)

    def check_answer(self, who: Principal, answer: Any, sent: Any, where: object) -> int:
        """Assert that ``answer`` shows ``who`` nothing they may not see; how many IDs it held.

        Every global ID anywhere in the answer's text (fields, deep links, messages) must be
        one ``who`` may see, except IDs the request itself carried (``sent``), which an answer
        may echo ("not found: …"). Every record's ``displayName`` must be its own name.
        """
        text = json.dumps(answer, ensure_ascii=False)
        echoed = set(ID_PATTERN.findall(json.dumps(sent, ensure_ascii=False)))
        found = [i for i in ID_PATTERN.findall(text) if i not in echoed]
        for global_id in found:
            assert self.may_see_id(who, global_id), (where, who.email, global_id)
        for obj, key, value in walk(answer):
            decoded = decode_id(value)
            if key == "id" and decoded is not None and isinstance(obj.get("displayName"), str):
                expected = self.names.get(decoded)
                assert obj["displayName"] == expected, (where, value, obj["displayName"])
        self.check_no_hidden_fields(who, answer, where)
        return len(found)


def answer_names(key: str) -> set[str]:
    """The names a field ``key`` may have in an answer: the key itself (MCP, custom), its
    GraphQL camelCase, and ``arr`` for ``arr_amount`` (a money object in both)."""
    head, *rest = key.split("_")
    names = {key, head + "".join(part.capitalize() for part in rest)}
    return names | {"arr"} if key == "arr_amount" else names


def objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in a document, nested ones included."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            yield item
            pending += list(item.values())
        elif isinstance(item, list):
            pending += item


def unstorable(value: Any) -> bool:
    """Whether a request value holds text no record can hold (the API refuses it up front)."""
    return any(not is_storable_text(text) for text in texts(value))


def has_surrogate(value: Any) -> bool:
    """Whether a request value holds an unpaired surrogate (not even valid JSON text)."""
    return any(SURROGATE.search(text) for text in texts(value))


def texts(value: Any) -> Iterator[str]:
    """Every string in a JSON value, keys included."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list | tuple):
            pending += item


def walk(value: Any) -> Iterator[tuple[dict[str, Any], str, str]]:
    """Every string value in a JSON document with its containing object and key."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str):
                yield value, key, item
            else:
                yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                yield {}, "", item
            else:
                yield from walk(item)


def assert_no_internals(body: str, where: object) -> None:
    """A client never reads a stack trace, a source path or a driver's name."""
    for marker in INTERNALS:
        assert marker not in body, (where, marker, body[:500])


async def build_oracle(db: Database) -> Oracle:
    snap = await snapshot(db)
    async with db.engine.connect() as conn:
        rows = (
            await conn.execute(
                text("SELECT id, org_id, role, email, name FROM users ORDER BY email")
            )
        ).all()
    principals = [
        Principal(user_id=r.id, org_id=r.org_id, role=r.role, email=r.email, name=r.name)
        for r in rows
    ]
    everything: dict[str, set[uuid.UUID]] = {}
    names: dict[tuple[str, uuid.UUID], str] = {}
    org_of: dict[uuid.UUID, uuid.UUID] = {}
    for type_key, (table, column) in TABLES.items():
        table_rows = snap.tables[table]
        everything[type_key] = {r["id"] for r in table_rows}
        for r in table_rows:
            names[(type_key, r["id"])] = "" if r[column] is None else str(r[column])
            org_of[r["id"]] = r["org_id"]
    hidden: dict[uuid.UUID, dict[str, set[str]]] = {}
    async with db.engine.connect() as conn:
        rules = await conn.execute(text("SELECT org_id, object_type, field FROM field_security"))
        for org, object_type, key in rules.all():
            hidden.setdefault(org, {}).setdefault(object_type, set()).add(key)
    everything["chunk"] = {c["id"] for c in snap.chunks}
    for c in snap.chunks:
        org_of[c["id"]] = c["org_id"]
    return Oracle(
        snap=snap,
        principals=principals,
        visible={p.user_id: visible_ids(snap, p) for p in principals},
        everything=everything,
        names=names,
        org_of=org_of,
        hidden={o: {t: frozenset(k) for t, k in by.items()} for o, by in hidden.items()},
    )


def ids_where(oracle: Oracle, table: str, column: str, value: uuid.UUID) -> set[uuid.UUID]:
    """Ids of the rows of ``table`` (either org) whose ``column`` is ``value``."""
    return {r["id"] for r in oracle.snap.tables[table] if r[column] == value}


def members_where(
    oracle: Oracle, table: str, column: str, value: uuid.UUID, member: str
) -> set[uuid.UUID]:
    """The ``member`` column of link-table rows whose ``column`` is ``value``."""
    return {
        r[member] for r in oracle.snap.tables[table] if r[column] == value and r[member] is not None
    }
