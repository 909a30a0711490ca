"""Hypothesis strategies for hostile input: IDs of every org and type, filters, odd text.

The pools are drawn from the demo workspace itself (both orgs), so the fuzzers ask for real
records the caller may not see, by ID and by name, as often as for garbage. Every pool is a
sorted list, so a derandomized run draws the same examples on every machine.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accountlens.schema.ids import PREFIXES, encode_id
from tests.security.oracle import Oracle

T = TypeVar("T")

#: Characters that have broken text handling somewhere: NUL, unpaired surrogates, bidi and
#: zero-width marks, combining marks, case-mapping oddities, quoting and pattern characters.
ODD_CHARACTERS = [
    "\x00", "\ud800", "\udfff", "\u200f", "\u202e", "\u200b", "\ufeff", "\u0301", "\u2028",
    "İ", "ß", "ﬃ", "😀", "\U0010ffff", "\t", "\n", "\r", "%", "_", "\\", "'", '"', "`",
    "--", ";", "*", "${", "{{", "<", "&", "/", "..", ":", "\x7f",
]  # fmt: skip

DATE_EXPRESSIONS = [
    "today", "yesterday", "tomorrow", "now", "this_quarter", "last_month", "next_year",
    "-30d", "+2w", "-3m", "-1y", "-99999d", "+99999y", "-99999y", "2025-01-31",
    "2025-01-31T09:00:00Z", "9999-12-31", "9999-12-31T23:59:59.999999+00:00", "0001-01-01",
    "0001-01-01T00:00:00+14:00", "2025-02-30", "2025-13-01", "31/01/2025", "", " ",
]  # fmt: skip

OPS = ["eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "contains", "starts_with",
       "is_null", "between"]  # fmt: skip

#: Field names no type has, or that reach for what filters must never expose.
ODD_FIELDS = [
    "org_id", "org", "id", "password_hash", "token_hash", "custom", "custom.", "account.",
    "account.org_id", "account.account.name", "owner.email", "group.", "custom.tier.x", "",
    " ", "NAME", "Close Date", "closeDate", "__typename", "pg_sleep(1)", "name; --",
]  # fmt: skip

#: Numbers at and past the edges of every numeric column (int4, numeric(16, 2), numeric).
EDGE_NUMBERS = [
    2**31 - 1, 2**31, -(2**31) - 1, 2**63, 10**14, 10**16, 10**30, -(10**30), 10**4000,
    0.5, 2.5, -0.0, 1e300, float("inf"), float("-inf"), float("nan"),
]  # fmt: skip
NUMBERS = st.one_of(
    st.integers(min_value=-5, max_value=200_000),
    st.sampled_from(EDGE_NUMBERS),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["50k", "$1.2m", "1e400", "-0", "NaN", "Infinity", "1,000", "12.5", "9" * 50]),
)
DATES = st.sampled_from(DATE_EXPRESSIONS)
BOOLEANS = st.one_of(st.booleans(), st.sampled_from(["yes", "no", "t", "maybe", "1"]))

#: GraphQL list roots -> the type key of their nodes.
LIST_ROOTS = {
    "accounts": "account",
    "people": "person",
    "opportunities": "opportunity",
    "activities": "activity",
    "tickets": "ticket",
    "tasks": "task",
    "projects": "project",
    "documents": "document",
    "users": "user",
    "teams": "team",
    "groups": "group",
}

SEARCHABLE = ["account", "activity", "custom_object", "document", "group", "opportunity",
              "person", "project", "task", "team", "ticket", "user"]  # fmt: skip


#: Property name -> examples run in this session (printed at the end of the run).
EXAMPLES: Counter[str] = Counter()


def fuzz_settings(max_examples: int) -> settings:
    """Reproducible in CI: derandomized (the same examples on every run and machine), no
    example database, no deadline (a cold first query is slow), no health check that a
    database round trip per example would trip. ``FUZZ_SCALE=10`` runs ten times as many
    examples (a deeper local run; different examples, still reproducible)."""
    return settings(
        max_examples=max_examples * int(os.environ.get("FUZZ_SCALE", "1")),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


async def fuzz(
    name: str,
    strategy: st.SearchStrategy[T],
    check: Callable[[T], Coroutine[Any, Any, None]],
    max_examples: int,
) -> None:
    """Run ``check`` on ``max_examples`` examples of ``strategy``.

    Why a thread: the fixtures (database engines, the live server) belong to the session's
    event loop, so every check must run on it, while Hypothesis drives examples synchronously.
    pytest-asyncio can wrap an ``async`` ``@given`` test itself, but with it the replay of a
    failing example never reached the test body, and Hypothesis reported "inconsistent data
    generation" instead of the failure. So Hypothesis runs in a worker thread, draws every
    value there, and hands each example to the loop with ``run_coroutine_threadsafe``,
    waiting for the verdict while the loop keeps serving (the live server included).
    """
    loop = asyncio.get_running_loop()

    @fuzz_settings(max_examples)
    @given(strategy)
    def example(value: T) -> None:
        EXAMPLES[name] += 1
        asyncio.run_coroutine_threadsafe(check(value), loop).result(timeout=120)

    await asyncio.to_thread(example)


@dataclass
class Pools:
    """What the strategies draw from, built once from the demo workspace."""

    oracle: Oracle
    #: Type key -> filter field names of that type (standard and both orgs' custom fields).
    fields: dict[str, list[str]]
    #: Type key -> field -> data type (integer, money, date, reference …).
    field_types: dict[str, dict[str, str]]
    #: Column name -> sample values found in either org (JSON-ready).
    column_values: dict[str, list[Any]]
    #: Names of records of both orgs (accounts, people, groups …).
    names: list[str]
    #: Custom object type keys of both orgs.
    custom_types: list[str]

    def __repr__(self) -> str:  # Hypothesis prints fixtures with a failing example
        return "Pools(…)"

    @property
    def principals(self) -> st.SearchStrategy[Any]:
        return st.sampled_from(self.oracle.principals)

    def real_ids(self, *types: str) -> st.SearchStrategy[str]:
        """Global IDs of real records of these types (default: every type), from both orgs."""
        everything = self.oracle.everything
        chosen = types or tuple(everything)
        pairs = sorted((key, i) for key in chosen for i in everything[key])
        return st.sampled_from(pairs).map(lambda p: encode_id(*p))

    def id_probes(self) -> st.SearchStrategy[str]:
        """Real IDs, real UUIDs under another type's prefix, unknown UUIDs, malformed IDs."""
        everything = self.oracle.everything
        uuids = sorted(i for ids in everything.values() for i in ids)
        prefixes = sorted(PREFIXES)
        real = self.real_ids()
        return st.one_of(
            real,
            real,  # twice: real IDs are the interesting case
            st.tuples(st.sampled_from(prefixes), st.sampled_from(uuids)).map(
                lambda p: encode_id(*p)
            ),
            st.tuples(st.sampled_from(prefixes), st.uuids()).map(lambda p: encode_id(*p)),
            st.sampled_from(uuids).map(str),  # a bare UUID, as a database would print it
            real.flatmap(malformed),
            odd_text(),
        )

    def values(self, type_key: str, field: str, op: str) -> st.SearchStrategy[Any]:
        """A filter value for ``field``: mostly the shape ``op`` takes (a list for ``in``, a
        pair for ``between``), now and then another shape."""
        scalar = self.scalars(type_key, field)
        shapes = {
            "in": st.lists(scalar, min_size=1, max_size=4),
            "not_in": st.lists(scalar, min_size=1, max_size=4),
            "between": st.one_of(
                st.lists(scalar, min_size=2, max_size=2),
                st.fixed_dictionaries({"from": scalar, "to": scalar}),
            ),
        }
        odd_shapes = st.one_of(
            st.lists(scalar, max_size=3), st.dictionaries(st.text(max_size=5), scalar, max_size=2)
        )
        return mostly(shapes.get(op, scalar), odd_shapes)

    def scalars(self, type_key: str, field: str) -> st.SearchStrategy[Any]:
        """Mostly values of the field's own type (real ones of either org among them), now
        and then a value of another type, or odd text."""
        column = field.removeprefix("account.").removeprefix("custom.")
        own = [
            *self.column_values.get(column, []),
            *self.column_values.get(f"{column}_id", []),
            *self.column_values.get(f"{column}_amount", []),
        ]
        typed = {
            "integer": NUMBERS,
            "number": NUMBERS,
            "money": NUMBERS,
            "date": DATES,
            "datetime": DATES,
            "boolean": BOOLEANS,
            "reference": self.id_probes(),
        }.get(
            self.field_types.get(type_key, {}).get(field, ""),
            st.sampled_from(self.names) | odd_text(),
        )
        anything = st.one_of(
            st.none(), BOOLEANS, NUMBERS, DATES, st.sampled_from(self.names), self.id_probes()
        )
        common = st.one_of(st.sampled_from(own), typed) if own else typed
        return mostly(common, anything, odd_text())

    def field_names(self, type_key: str) -> st.SearchStrategy[str]:
        """Mostly real fields of the type (so values get tested), sometimes nonsense."""
        real = st.sampled_from(self.fields.get(type_key) or ["name"])
        return mostly(real, st.sampled_from(ODD_FIELDS), odd_text())

    def filters(
        self, type_key: str, *, graphql: bool = False
    ) -> st.SearchStrategy[list[dict[str, Any]]]:
        """Conditions as the MCP tools take them, or (``graphql``) with GraphQL's UPPER_CASE
        operator names."""

        @st.composite
        def one(draw: st.DrawFn) -> dict[str, Any]:
            name = draw(self.field_names(type_key))
            op = draw(st.sampled_from(OPS))
            condition: dict[str, Any] = {"field": name, "op": op.upper() if graphql else op}
            if draw(st.integers(min_value=0, max_value=9)):  # now and then, no value at all
                condition["value"] = draw(self.values(type_key, name, op))
            return condition

        return st.lists(one(), max_size=2)

    def search_text(self) -> st.SearchStrategy[str]:
        """Names of either org, fragments and typos of them, and odd text."""
        names = st.sampled_from(self.names)
        return st.one_of(
            names,
            names.map(lambda n: n[: max(1, len(n) // 2)]),
            names.map(lambda n: n.lower().replace("e", "a", 1)),
            st.sampled_from(["acme", "renewal", "pricing", "onboarding", "login", "globex"]),
            odd_text(),
        )


def mostly(common: st.SearchStrategy[T], *rare: st.SearchStrategy[T]) -> st.SearchStrategy[T]:
    """``common`` most of the time, each of ``rare`` one time in ten.

    ``one_of`` would give each branch an equal share, and nonsense field names then hide
    every interesting value behind an "unknown field" error.
    """

    @st.composite
    def pick(draw: st.DrawFn) -> T:
        roll = draw(st.integers(min_value=0, max_value=9))
        if roll >= 10 - len(rare):
            return draw(rare[9 - roll])
        return draw(common)

    return pick()


def malformed(global_id: str) -> st.SearchStrategy[str]:
    """A real ID, damaged: truncated, extended, re-cased, padded, re-prefixed."""
    prefix, _, body = global_id.partition("_")
    return st.sampled_from(
        [
            global_id[:-1],
            global_id + "0",
            global_id.upper(),
            global_id.swapcase(),
            f" {global_id} ",
            f"{prefix}__{body}",
            f"{prefix}_{body[:-1]}!",
            f"{prefix}_{'z' * 22}",  # past 2**128
            body,
            f"{global_id},{global_id}",
            global_id.replace("_", "\x00", 1),
        ]
    )


def odd_text() -> st.SearchStrategy[str]:
    """Text a careless parser or query builder trips on, including 10,000-character strings."""
    odd = st.sampled_from(ODD_CHARACTERS)
    return st.one_of(
        st.text(max_size=30),
        st.lists(st.one_of(odd, st.text(max_size=3)), max_size=8).map("".join),
        st.tuples(odd, st.integers(min_value=100, max_value=10_000)).map(lambda p: p[0] * p[1]),
        st.just("x" * 10_000),
    )


def json_ready(value: Any, type_of: dict[uuid.UUID, str]) -> Any:
    """A row value as a client would send it: IDs global, dates ISO, money a number."""
    if isinstance(value, uuid.UUID):
        type_key = type_of.get(value)
        return encode_id(type_key, value) if type_key else str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str | int | float | bool):
        return value
    return None


def column_samples(oracle: Oracle, per_column: int = 12) -> dict[str, list[Any]]:
    """Up to ``per_column`` distinct values of every column of every table, both orgs mixed."""
    type_of = {i: key for key, ids in oracle.everything.items() for i in ids}
    samples: dict[str, set[Any]] = {}
    for rows in oracle.snap.tables.values():
        for row in rows:
            for column, value in row.items():
                if "hash" in column or "salt" in column:
                    continue  # (no password hashes in a failing example's printout)
                ready = json_ready(value, type_of)
                if ready is not None:
                    samples.setdefault(column, set()).add(ready)
    return {
        column: sorted(values, key=repr)[:: max(1, len(values) // per_column)][:per_column]
        for column, values in samples.items()
    }
