"""SPEC §4 as a matrix: every principal × every list and lookup, against an independent oracle."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import text

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from accountlens.schema.ids import decode_id, encode_id
from tests.schema.expected import Snapshot, all_ids, snapshot, visible_ids
from tests.schema.helpers import data_of
from tests.schema.world import build_world

#: Root connection -> the type key its nodes have.
CONNECTIONS = {
    "accounts": "account",
    "people": "person",
    "opportunities": "opportunity",
    "activities": "activity",
    "tickets": "ticket",
    "contracts": "contract",
    "tasks": "task",
    "projects": "project",
    "documents": "document",
    "users": "user",
    "teams": "team",
    "groups": "group",
}


async def listed_ids(
    db: Database, who: Principal, field: str, args: str = ""
) -> tuple[set[uuid.UUID], int]:
    """Every id a connection returns, paging to the end, and its reported total."""
    ids: set[uuid.UUID] = set()
    after = None
    while True:
        query = (
            f"query($after: String) {{ {field}(first: 100, after: $after{args}) "
            "{ totalCount pageInfo { hasNextPage endCursor } nodes { id } } }"
        )
        page = (await data_of(db, who, query, after=after))[field]
        for node in page["nodes"]:
            decoded = decode_id(node["id"])
            assert decoded is not None
            ids.add(decoded[1])
        if not page["pageInfo"]["hasNextPage"]:
            return ids, page["totalCount"]
        after = page["pageInfo"]["endCursor"]


async def check_matrix(db: Database, principals: dict[str, Principal]) -> None:
    snap: Snapshot = await snapshot(db)
    everything = all_ids(snap)
    for label, who in principals.items():
        expected = visible_ids(snap, who)
        for field, type_key in CONNECTIONS.items():
            ids, total = await listed_ids(db, who, field)
            assert ids == expected[type_key], (label, field)
            assert total == len(expected[type_key]), (label, field)
        await check_custom_objects(db, who, expected["custom_object"], label)
        await check_nodes(db, who, everything, expected, label)


async def check_custom_objects(
    db: Database, who: Principal, expected: set[uuid.UUID], label: str
) -> None:
    types = (await data_of(db, who, "{ customObjectTypes { key count } }"))["customObjectTypes"]
    seen: set[uuid.UUID] = set()
    for kind in types:
        ids, total = await listed_ids(db, who, "customObjects", f', type: "{kind["key"]}"')
        assert total == kind["count"] == len(ids), label
        seen |= ids
    assert seen == expected, label


async def check_nodes(
    db: Database,
    who: Principal,
    everything: dict[str, set[uuid.UUID]],
    expected: dict[str, set[uuid.UUID]],
    label: str,
) -> None:
    """``nodes`` over every id of every org: exactly the visible ones come back."""
    for type_key, ids in everything.items():
        global_ids = [encode_id(type_key, i) for i in sorted(ids)]
        for start in range(0, len(global_ids), 100):
            chunk = global_ids[start : start + 100]
            data = await data_of(
                db, who, "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", ids=chunk
            )
            found = {n["id"] for n in data["nodes"] if n is not None}
            want = {g for g in chunk if decode_id(g)[1] in expected[type_key]}  # type: ignore[index]
            assert found == want, (label, type_key)


async def test_every_principal_sees_exactly_what_spec_4_allows_in_every_list_and_lookup(
    fresh_db: Database,
) -> None:
    world = await build_world(fresh_db)
    await check_matrix(fresh_db, world.principals)


async def test_an_id_of_another_org_behaves_like_one_that_never_existed(fresh_db: Database) -> None:
    world = await build_world(fresh_db)
    snap = await snapshot(fresh_db)
    foreign = next(
        a["id"] for a in snap.tables["accounts"] if a["org_id"] == world.open_admin.org_id
    )
    query = "query($id: ID!) { node(id: $id) { id } }"
    for probe in (encode_id("account", foreign), encode_id("account", uuid.uuid4()), "acc_nope"):
        data: dict[str, Any] = await data_of(fresh_db, world.admin, query, id=probe)
        assert data == {"node": None}


@pytest.mark.parametrize("field", ["accounts", "people", "tickets"])
async def test_totals_count_only_visible_rows(fresh_db: Database, field: str) -> None:
    world = await build_world(fresh_db)
    data = await data_of(fresh_db, world.narrow, f"{{ {field} {{ totalCount }} }}")
    assert data[field]["totalCount"] == 1


HIDE = """mutation($field: String!, $type: String!) {
  setFieldHidden(objectType: $type, field: $field, hidden: true) { hidden } }"""
FIELDS = """{
  accounts(first: 100) { nodes { id arr { amount } custom } }
  people(first: 100) { nodes { id phone account { id arr { amount } custom } } }
}"""


async def test_fields_the_admin_hides_are_null_for_every_member_and_kept_for_every_admin(
    fresh_db: Database,
) -> None:
    # given both orgs' accounts with ARR and a custom churn risk, people with phones, and the
    # restricted org's admin hiding account ARR, churn risk and person phones from members
    world = await build_world(fresh_db)
    async with fresh_db.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO property_definitions (org_id, id, object_type, key, label, data_type) "
                "SELECT id, gen_random_uuid(), 'account', 'churn_risk', 'Churn risk', 'string' "
                "FROM orgs"
            )
        )
        await conn.execute(
            text('UPDATE accounts SET arr_amount = 1000, custom = \'{"churn_risk": "high"}\'')
        )
        await conn.execute(text("UPDATE people SET phone = '555-0100'"))
    for type_key, field in (("account", "arr"), ("account", "churn_risk"), ("person", "phone")):
        await data_of(fresh_db, world.admin, HIDE, type=type_key, field=field)
    for label, who in world.principals.items():
        # when each principal reads every account and person it may see
        data = await data_of(fresh_db, who, FIELDS)
        # then only members of the hiding org lose the fields, wherever the record appears
        hidden = who.role != "admin" and who.org_id == world.admin.org_id
        accounts = data["accounts"]["nodes"] + [
            p["account"] for p in data["people"]["nodes"] if p["account"]
        ]
        assert accounts, label
        for account in accounts:
            assert account["arr"] == (None if hidden else {"amount": "1000.00"}), label
            assert account["custom"] == ({} if hidden else {"churn_risk": "high"}), label
        for person in data["people"]["nodes"]:
            assert person["phone"] == (None if hidden else "555-0100"), label
