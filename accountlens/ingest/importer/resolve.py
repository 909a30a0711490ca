"""Resolving references between records: external IDs (or user emails) to database IDs.

Files are imported in dependency order, so everything a row may point at was written (or
rejected) before the row is read. A reference resolves against the org's rows in the database;
a reference to a row this run rejected is itself rejected, even if an older version of that row
exists, so one bad line never silently attaches new data to stale data.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Table, any_, func, null, select
from sqlalchemy.ext.asyncio import AsyncConnection

from accountlens.db.models import (
    Account,
    CustomObjectType,
    Opportunity,
    Person,
    Task,
    Team,
    User,
)
from accountlens.ingest.importer.load import table_of, text_array

_LOOKUP_BATCH = 5_000


@dataclass(frozen=True)
class Kind:
    """A type of record other rows can point at."""

    name: str
    table: Table
    file: str
    #: A second column a reference may match when no external_id does (user email, type key).
    alternate: str | None = None


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("user", table_of(User), "users.jsonl", alternate="email"),
        Kind("team", table_of(Team), "teams.jsonl"),
        Kind("account", table_of(Account), "accounts.jsonl"),
        Kind("person", table_of(Person), "people.jsonl"),
        Kind("opportunity", table_of(Opportunity), "opportunities.jsonl"),
        Kind("task", table_of(Task), "tasks.jsonl"),
        Kind(
            "custom_object_type",
            table_of(CustomObjectType),
            "custom_object_types.jsonl",
            alternate="key",
        ),
    )
}


@dataclass(frozen=True)
class Ref:
    """A reference found in a row: where (``participants[2]``), to what kind, by which key."""

    field: str
    kind: str
    key: str


class Target(NamedTuple):
    """A resolved reference; ``account_id`` is filled for kinds that belong to an account."""

    id: uuid.UUID
    account_id: uuid.UUID | None


class Resolved:
    """The targets of one row's references, by field; ``left_empty`` names lenient references
    whose record was missing (``owner 'Dana Whit'``), which are left out of ``targets``."""

    def __init__(self, targets: dict[str, Target], left_empty: list[str] | None = None) -> None:
        self._targets = targets
        self.left_empty = left_empty or []

    def id(self, field: str) -> uuid.UUID | None:
        """The referenced ID, or None when the row left the (optional) reference out."""
        target = self._targets.get(field)
        return target.id if target is not None else None

    def target(self, field: str) -> Target:
        return self._targets[field]

    def ids(self, fields: Iterable[str]) -> set[uuid.UUID]:
        return {self._targets[field].id for field in fields}


class RejectedKeys:
    """Keys of rows rejected so far in this run, per kind, with where they were rejected."""

    def __init__(self) -> None:
        self._by_kind: dict[str, dict[str, str]] = defaultdict(dict)

    def add(self, kind: str, key: object, where: str) -> None:
        if isinstance(key, str) and key.strip():
            self._by_kind[kind].setdefault(_normal(kind, key), where)

    def where(self, kind: str, key: str) -> str | None:
        return self._by_kind[kind].get(_normal(kind, key))


def _normal(kind: str, key: str) -> str:
    key = key.strip()
    return key.lower() if kind == "user" and "@" in key else key


async def resolve_references(
    conn: AsyncConnection,
    org_id: uuid.UUID,
    rows: Sequence[Sequence[Ref]],
    rejected: RejectedKeys,
    lenient: frozenset[str] = frozenset(),
    column_of: Callable[[str], str] | None = None,
) -> list[Resolved | list[str]]:
    """For each row, its resolved targets, or the messages saying which references failed.

    A reference of a ``lenient`` field whose record is missing is left empty instead.
    ``column_of`` names a field as the file does (a CSV column).
    """
    wanted: dict[str, set[str]] = defaultdict(set)
    for refs in rows:
        for ref in refs:
            wanted[ref.kind].add(ref.key)
    found = {kind: await _lookup(conn, org_id, KINDS[kind], keys) for kind, keys in wanted.items()}
    results: list[Resolved | list[str]] = []
    for refs in rows:
        targets: dict[str, Target] = {}
        errors: list[str] = []
        left_empty: list[str] = []
        for ref in refs:
            label = ref.kind.replace("_", " ")
            where = rejected.where(ref.kind, ref.key)
            target = found[ref.kind].get(ref.key)
            field = ref.field
            if column_of is not None:
                base, bracket, rest = field.partition("[")
                field = column_of(base) + bracket + rest
            if target is None and ref.field.split("[")[0] in lenient:
                left_empty.append(f"{ref.field} '{ref.key}'")
            elif where is not None:
                errors.append(f"{field}: {label} '{ref.key}' was rejected ({where})")
            elif target is None:
                errors.append(f"{field}: {_not_found(KINDS[ref.kind], ref.key)}")
            else:
                targets[ref.field] = target
        results.append(errors if errors else Resolved(targets, left_empty))
    return results


def _not_found(kind: Kind, key: str) -> str:
    label = kind.name.replace("_", " ")
    ways = ["external_id", *(way for way in (kind.alternate, UNIQUE_BY.get(kind.name)) if way)]
    by = f"{', '.join(ways[:-1])} or {ways[-1]}" if len(ways) > 1 else ways[0]
    return f"no {label} with {by} '{key}' (it must be in {kind.file} or already imported)"


async def _lookup(
    conn: AsyncConnection, org_id: uuid.UUID, kind: Kind, keys: set[str]
) -> dict[str, Target]:
    table = kind.table
    account: ColumnElement[Any] = table.c.account_id if "account_id" in table.c else null()
    found: dict[str, Target] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), _LOOKUP_BATCH):
        batch = ordered[start : start + _LOOKUP_BATCH]
        result = await conn.execute(
            select(table.c.external_id, table.c.id, account).where(
                table.c.org_id == org_id, table.c.external_id == any_(text_array(batch))
            )
        )
        for external_id, id_, account_id in result:
            found[external_id] = Target(id_, account_id)
    missing = [key for key in ordered if key not in found]
    if kind.alternate is not None and missing:
        found.update(await _by_alternate(conn, org_id, kind, missing))
    if kind.name in UNIQUE_BY:
        rest = [key for key in missing if key not in found]
        found.update(await _by_unique_value(conn, org_id, kind, rest))
    return found


async def _by_alternate(
    conn: AsyncConnection, org_id: uuid.UUID, kind: Kind, missing: list[str]
) -> dict[str, Target]:
    """Records matched by their alternate key (a user's e-mail, a type's key)."""
    assert kind.alternate is not None
    table = kind.table
    account: ColumnElement[Any] = table.c.account_id if "account_id" in table.c else null()
    found: dict[str, Target] = {}
    column = table.c[kind.alternate]
    by_user_email = kind.name == "user"
    normal: dict[str, list[str]] = defaultdict(list)
    for key in missing:
        normal[key.lower() if by_user_email else key].append(key)
    matched = func.lower(column) if by_user_email else column
    values = list(normal)
    for start in range(0, len(values), _LOOKUP_BATCH):
        batch = values[start : start + _LOOKUP_BATCH]
        result = await conn.execute(
            select(matched, table.c.id, account).where(
                table.c.org_id == org_id, matched == any_(text_array(batch))
            )
        )
        for value, id_, account_id in result:
            for key in normal[value]:
                found[key] = Target(id_, account_id)
    return found


#: A second way to name a record, used when no external_id matches and exactly one record
#: has the value: exports name an owner ("Rosa Quint"), an organization ("Globex") or a
#: requester (an e-mail) rather than give the ID.
UNIQUE_BY = {"user": "name", "account": "name", "person": "email"}


async def _by_unique_value(
    conn: AsyncConnection, org_id: uuid.UUID, kind: Kind, keys: list[str]
) -> dict[str, Target]:
    """Records whose ``UNIQUE_BY`` column equals a key (without case), where only one does."""
    wanted: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        wanted[" ".join(key.split()).lower()].append(key)
    if not wanted:
        return {}
    table = kind.table
    value = func.lower(table.c[UNIQUE_BY[kind.name]])
    account: ColumnElement[Any] = table.c.account_id if "account_id" in table.c else null()
    ids: dict[str, list[Target]] = defaultdict(list)
    names = list(wanted)
    for start in range(0, len(names), _LOOKUP_BATCH):
        batch = names[start : start + _LOOKUP_BATCH]
        result = await conn.execute(
            select(value, table.c.id, account).where(
                table.c.org_id == org_id, value == any_(text_array(batch))
            )
        )
        for found, id_, account_id in result:
            ids[found].append(Target(id_, account_id))
    return {
        key: matches[0]
        for found, matches in ids.items()
        if len(matches) == 1
        for key in wanted[found]
    }
