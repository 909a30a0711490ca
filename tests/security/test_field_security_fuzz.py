"""Property-based field-level security: a field hidden from members does not exist for them.

The demo's Northwind admin hides account ARR and the custom NPS from members (the oracle reads
which fields from the raw ``field_security`` rows). Every answer of the cross-tenant fuzz tests
is already checked for hidden fields (``Oracle.check_no_hidden_fields``); here:

* a member's filter or sort on a hidden field, in any spelling (``arr``, ``arrAmount``,
  ``custom.nps``, ``account.arr`` from a person), is refused with exactly the error a field
  that never existed gets, its "did you mean" and valid choices never naming it;
* the records anyone reads carry a hidden field's value exactly when they are an admin.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from accountlens.resolvers.errors import unknown_choice
from accountlens.resolvers.fields import normalize
from accountlens.schema.ids import decode_id
from tests.schema.helpers import execute
from tests.security.oracle import Oracle
from tests.security.strategies import EXAMPLES, OPS, Pools, fuzz

#: Roots whose records have a parent account (``account.<field>`` filters).
ACCOUNT_CHILDREN = ("people", "opportunities", "tickets", "tasks")
NEVER = "zz_never_a_field"


def spellings(key: str) -> list[str]:
    """Names a caller might use for the field ``key``."""
    head, *rest = key.split("_")
    names = [key, head + "".join(p.capitalize() for p in rest), f"custom.{key}"]
    return [*names, "arr", "ARR"] if key == "arr_amount" else names


async def first_error(db: Database, who: Principal, query: str, **variables: Any) -> Any:
    data, errors = await execute(db, who, query, **variables)
    assert errors, ("answered, not refused", variables, data)
    return errors[0]


def members_hiding(oracle: Oracle) -> list[Principal]:
    return [p for p in oracle.principals if p.role != "admin" and oracle.hidden.get(p.org_id)]


async def test_a_members_filter_or_sort_on_a_hidden_field_is_refused_as_if_it_never_existed(
    demo_db: Database, oracle: Oracle, pools: Pools
) -> None:
    # given members of an org that hides account fields, and any spelling of one of them
    members = members_hiding(oracle)
    assert members, "the demo hides fields from Northwind's members"
    hidden = sorted(oracle.hidden_for(members[0], "account"))
    assert {"arr_amount", "nps"} <= set(hidden)
    questions = st.tuples(
        st.sampled_from(members),
        st.sampled_from(hidden).flatmap(lambda k: st.sampled_from(spellings(k))),
        st.sampled_from(["filter", "sort", "parent"]),
        st.sampled_from(OPS),
        st.sampled_from(ACCOUNT_CHILDREN),
    )
    query = (
        "query($f: [FilterInput!], $s: [SortInput!]) "
        "{ accounts(filter: $f, sort: $s, first: 3) { totalCount } }"
    )

    async def check(question: tuple[Principal, str, str, str, str]) -> None:
        who, name, how, op, child = question
        hide = oracle.hidden_for(who, "account")
        # when they filter or sort by it
        if how == "parent":
            root_query = f"query($f: [FilterInput!]) {{ {child}(filter: $f) {{ totalCount }} }}"
            error = await first_error(
                demo_db, who, root_query, f=[{"field": f"account.{name}", "op": op.upper()}]
            )
        elif how == "filter":
            error = await first_error(
                demo_db, who, query, f=[{"field": name, "op": op.upper(), "value": 1}]
            )
        else:
            error = await first_error(demo_db, who, query, s=[{"field": name}])
        # then the error is the one a never-defined field gets, minus the hidden names
        custom = normalize(name).startswith("custom.")
        probe = f"custom.{NEVER}" if custom else NEVER
        never = await first_error(demo_db, who, query, f=[{"field": probe, "op": "EQ", "value": 1}])
        choices = set(never["extensions"]["choices"])
        assert not choices & hide, (who.email, choices & hide)
        kind = "account custom field" if custom else "account field"
        given = normalize(name).removeprefix("custom.")
        expected = unknown_choice(kind, given, choices)
        assert error["message"] == str(expected), (who.email, name, how)
        assert error["extensions"]["code"] == "BAD_INPUT"
        assert not set(error["extensions"].get("suggestions") or ()) & hide
        assert not set(error["extensions"].get("choices") or ()) & hide
        EXAMPLES["field security: hidden field refused as unknown"] += 1

    await fuzz("field security: filters and sorts on hidden fields", questions, check, 60)


async def test_records_carry_a_hidden_fields_value_exactly_for_admins(
    demo_db: Database, oracle: Oracle, pools: Pools
) -> None:
    # given anyone of either org, and accounts of their org read directly or as a person's
    accounts = {r["id"]: r for r in oracle.snap.tables["accounts"]}
    query = """query($ids: [ID!]!) { nodes(ids: $ids) {
      id ... on Account { arr { amount } custom }
      ... on Person { account { id arr { amount } custom } } } }"""
    questions = st.tuples(
        pools.principals, st.lists(pools.real_ids("account", "person"), min_size=1, max_size=8)
    )

    async def check(question: tuple[Principal, list[str]]) -> None:
        who, ids = question
        # when they read them
        data, errors = await execute(demo_db, who, query, ids=ids)
        assert not errors, errors
        assert data is not None
        # then a hidden value is absent for a member, and the stored one for an admin
        hidden = oracle.hidden.get(who.org_id, {}).get("account", frozenset())
        for node in data["nodes"]:
            record = (node or {}).get("account") if "account" in (node or {}) else node
            if not record:
                continue
            decoded = decode_id(record["id"])
            assert decoded is not None
            row = accounts[decoded[1]]
            arr = record["arr"]["amount"] if record["arr"] else None
            stored = row["arr_amount"]
            if who.role == "admin" or "arr_amount" not in hidden:
                assert (None if arr is None else Decimal(arr)) == stored, (who.email, record)
            else:
                assert arr is None
            for key, value in row["custom"].items():
                shown = record["custom"].get(key)
                if who.role != "admin" and key in hidden:
                    assert key not in record["custom"], (who.email, key)
                else:
                    assert shown == value, (who.email, key)
            EXAMPLES["field security: records read"] += 1

    await fuzz("field security: hidden values in records", questions, check, 60)
