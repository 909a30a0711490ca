"""Field-level security (SPEC §4): a field an admin hides does not exist for the org's members."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from accountlens.db.models import AdminAction
from accountlens.resolvers.errors import unknown_choice
from accountlens.schema.ids import encode_id
from tests.factories import (
    create_account,
    create_org,
    create_person,
    create_property,
    create_usage,
    create_user,
)
from tests.schema.helpers import data_of, execute

HIDE = """mutation($type: String!, $field: String!, $hidden: Boolean!) {
  setFieldHidden(objectType: $type, field: $field, hidden: $hidden) { objectType field hidden }
}"""
ACCOUNTS = """query($filter: [FilterInput!], $sort: [SortInput!]) {
  accounts(filter: $filter, sort: $sort) { nodes { name domain arr { amount } custom } }
}"""


@dataclass
class Org:
    admin: Principal
    member: Principal
    account: uuid.UUID
    person: uuid.UUID


async def build_org(db: Database, *, with_churn_risk: bool = True) -> Org:
    """An open org whose one account has ARR, a domain and (optionally) a custom churn risk."""
    org = await create_org(db, visibility="open")
    admin = await create_user(db, org, role="admin")
    member = await create_user(db, org)
    await create_property(db, org, "account", "tier", "string")
    custom: dict[str, Any] = {"tier": "gold"}
    if with_churn_risk:
        await create_property(db, org, "account", "churn_risk", "string")
        custom["churn_risk"] = "high"
    account = await create_account(
        db,
        org,
        "Northwind",
        domain="quillfeather-ledger.example",
        arr_amount=Decimal("120000"),
        custom=custom,
    )
    person = await create_person(db, org, account, "Dana Reed")
    return Org(admin, member, account, person)


async def hide(db: Database, admin: Principal, type_key: str, *fields: str) -> None:
    for name in fields:
        await data_of(db, admin, HIDE, type=type_key, field=name, hidden=True)


async def error_of(db: Database, who: Principal, query: str, **variables: Any) -> dict[str, Any]:
    data, errors = await execute(db, who, query, **variables)
    assert errors, data
    error = errors[0]
    return {"message": error["message"], "extensions": error.get("extensions")}


async def test_a_hidden_field_reads_as_null_for_members_and_as_stored_for_admins(
    fresh_db: Database,
) -> None:
    # given an org that hides account ARR and the custom churn risk from members
    org = await build_org(fresh_db)
    await hide(fresh_db, org.admin, "account", "arr", "churn_risk")
    nested = """query($id: ID!) {
      node(id: $id) { ... on Person { account { arr { amount } custom } } }
      people { nodes { account { arr { amount } custom } } }
    }"""
    for who, arr, custom in (
        (org.member, None, {"tier": "gold"}),
        (org.admin, {"amount": "120000.00"}, {"tier": "gold", "churn_risk": "high"}),
    ):
        # when each reads the account directly, by ID, and as a person's account
        listed = await data_of(fresh_db, who, ACCOUNTS)
        direct = await data_of(
            fresh_db,
            who,
            "query($id: ID!) { node(id: $id) { ... on Account { arr { amount } custom } } }",
            id=encode_id("account", org.account),
        )
        through = await data_of(fresh_db, who, nested, id=encode_id("person", org.person))
        # then the member never gets the values, the admin always does
        expected = {"arr": arr, "custom": custom}
        (node,) = listed["accounts"]["nodes"]
        assert {"arr": node["arr"], "custom": node["custom"]} == expected
        assert direct["node"] == expected
        assert through["node"]["account"] == expected
        assert through["people"]["nodes"] == [{"account": expected}]


async def test_as_json_never_carries_a_field_hidden_from_members(fresh_db: Database) -> None:
    # given an org that hides account ARR, domain and the custom churn risk from members
    org = await build_org(fresh_db)
    await hide(fresh_db, org.admin, "account", "arr", "domain", "churn_risk")
    fields = ["arr.amount", "domain", "custom", "name"]
    query = """query($id: ID!, $list: [String!]!, $node: [String!]!, $person: [String!]!) {
      accounts { asJson(fields: $list) }
      node(id: $id) { asJson(fields: $node) }
      people { asJson(fields: $person) }
    }"""
    for who, arr, domain, custom in (
        (org.member, None, None, {"tier": "gold"}),
        (
            org.admin,
            {"amount": "120000.00"},
            "quillfeather-ledger.example",
            {"tier": "gold", "churn_risk": "high"},
        ),
    ):
        # when each reads the account as one JSON value: listed, by ID and as a person's
        data = await data_of(
            fresh_db,
            who,
            query,
            id=encode_id("account", org.account),
            list=[f"edges.node.{f}" for f in fields],
            node=fields,
            person=[f"edges.node.account.{f}" for f in fields],
        )
        # then the member's JSON holds no hidden value anywhere, the admin's holds them all
        expected = {"arr": arr, "domain": domain, "custom": custom, "name": "Northwind"}
        assert data["accounts"]["asJson"] == {"edges": [{"node": expected}]}
        assert data["node"]["asJson"] == expected
        assert data["people"]["asJson"] == {"edges": [{"node": {"account": expected}}]}
        if who is org.member:
            assert "churn_risk" not in str(data)
            assert "quillfeather" not in str(data)


async def test_a_members_filter_or_sort_on_a_hidden_field_is_refused_as_an_unknown_field(
    fresh_db: Database,
) -> None:
    # given two orgs alike but for churn risk: one hides it, the other never defined it
    hiding = await build_org(fresh_db)
    without = await build_org(fresh_db, with_churn_risk=False)
    await hide(fresh_db, hiding.admin, "account", "arr_amount", "churn_risk")
    await hide(fresh_db, without.admin, "account", "arr_amount")
    for name in ("churn_risk", "custom.churn_risk", "churnRisk", "churn"):
        filters = [{"field": name, "op": "EQ", "value": "high"}]
        sorts = [{"field": name, "direction": "DESC"}]
        # when members of both filter and sort on it (directly and through a person's account)
        for query, variables in (
            (ACCOUNTS, {"filter": filters}),
            (ACCOUNTS, {"sort": sorts}),
            (
                "query($f: [FilterInput!]) { people(filter: $f) { totalCount } }",
                {"f": [{"field": f"account.{name}", "op": "EQ", "value": "high"}]},
            ),
        ):
            hidden = await error_of(fresh_db, hiding.member, query, **variables)
            absent = await error_of(fresh_db, without.member, query, **variables)
            # then both are told exactly the same: no such field, no hint of it
            assert hidden == absent, (name, query)
            assert "churn_risk" not in str(hidden["extensions"]), name
    # and the admin of the hiding org still filters on it
    high = [{"field": "churn_risk", "op": "EQ", "value": "high"}]
    found = await data_of(fresh_db, hiding.admin, ACCOUNTS, filter=high)
    assert [n["name"] for n in found["accounts"]["nodes"]] == ["Northwind"]


async def test_a_hidden_standard_field_is_unknown_to_members_and_left_out_of_suggestions(
    fresh_db: Database,
) -> None:
    # given an org hiding account ARR from members
    org = await build_org(fresh_db)
    await hide(fresh_db, org.admin, "account", "arr")
    probe = [{"field": "nothing_like_this", "op": "EQ", "value": 1}]
    everything = set(
        (await error_of(fresh_db, org.admin, ACCOUNTS, filter=probe))["extensions"]["choices"]
    )
    for name in ("arr", "arr_amount", "arrAmount"):
        # when the member filters and sorts by it
        by_filter = await error_of(
            fresh_db, org.member, ACCOUNTS, filter=[{"field": name, "op": "GT", "value": 1}]
        )
        by_sort = await error_of(fresh_db, org.member, ACCOUNTS, sort=[{"field": name}])
        # then the error is the one for a field that was never there
        never = unknown_choice("account field", _normal(name), everything - {"arr_amount"})
        assert by_filter["message"] == by_sort["message"] == str(never), name
        assert "arr_amount" not in by_filter["extensions"]["choices"]
        assert "arr_amount" not in str(by_filter["extensions"]["suggestions"])


def _normal(name: str) -> str:
    return {"arrAmount": "arr_amount"}.get(name, name)


async def test_members_do_not_discover_hidden_fields_nor_find_records_by_them(
    fresh_db: Database,
) -> None:
    # given an org hiding the account domain and churn risk from members
    org = await build_org(fresh_db)
    await hide(fresh_db, org.admin, "account", "domain", "churn_risk")
    discover = '{ properties(objectType: "account") { key } }'
    find = '{ search(query: "quillfeather-ledger.example") { totalCount } }'
    for who, sees in ((org.member, False), (org.admin, True)):
        # when each lists the account's properties and searches for the domain
        keys = {p["key"] for p in (await data_of(fresh_db, who, discover))["properties"]}
        total = (await data_of(fresh_db, who, find))["search"]["totalCount"]
        # then only the admin learns of the fields or finds the account by its domain
        assert ("domain" in keys, "churn_risk" in keys) == (sees, sees), who.role
        assert total == (1 if sees else 0), who.role


async def test_only_a_signed_in_admin_may_hide_fields_and_list_them(fresh_db: Database) -> None:
    # given an org with an admin, a member, and the admin's MCP token
    org = await build_org(fresh_db)
    token = replace(org.admin, connection_id=uuid.uuid4())
    variables: dict[str, Any] = {"type": "account", "field": "arr", "hidden": True}
    listing = '{ fieldSecurity(objectType: "account") { field hidden } }'
    # when the member and the token try, then they are refused and nothing changes
    member = await error_of(fresh_db, org.member, HIDE, **variables)
    assert member["extensions"]["code"] == "FORBIDDEN"
    by_token = await error_of(fresh_db, token, HIDE, **variables)
    assert by_token["extensions"]["code"] == "READ_ONLY_TOKEN"
    assert (await error_of(fresh_db, org.member, listing))["extensions"]["code"] == "FORBIDDEN"
    before = (await data_of(fresh_db, org.admin, listing))["fieldSecurity"]
    assert {"field": "arr_amount", "hidden": False} in before
    # when the admin hides ARR, then the list says so, and showing it again undoes it
    hidden = await data_of(fresh_db, org.admin, HIDE, **variables)
    assert hidden["setFieldHidden"] == {
        "objectType": "account",
        "field": "arr_amount",
        "hidden": True,
    }
    assert {"field": "arr_amount", "hidden": True} in (await data_of(fresh_db, org.admin, listing))[
        "fieldSecurity"
    ]
    await data_of(fresh_db, org.admin, HIDE, **{**variables, "hidden": False})
    node = await data_of(fresh_db, org.member, ACCOUNTS)
    assert node["accounts"]["nodes"][0]["arr"] == {"amount": "120000.00"}
    # and both changes are in the admin audit, by the admin; the refused attempts are not
    async with fresh_db.sessions() as session:
        audited = (
            await session.execute(
                select(AdminAction.action, AdminAction.target, AdminAction.actor_id)
                .where(AdminAction.org_id == org.admin.org_id)
                .order_by(AdminAction.at)
            )
        ).all()
    assert [tuple(a) for a in audited] == [
        ("field.hidden", "account.arr_amount", org.admin.user_id),
        ("field.shown", "account.arr_amount", org.admin.user_id),
    ]


async def test_names_and_references_cannot_be_hidden(fresh_db: Database) -> None:
    org = await build_org(fresh_db)
    for field in ("name", "owner", "no_such_field"):
        error = await error_of(fresh_db, org.admin, HIDE, type="account", field=field, hidden=True)
        assert error["extensions"]["code"] == "BAD_INPUT", field


async def test_hidden_licensed_seats_do_not_reach_members_through_product_usage(
    fresh_db: Database,
) -> None:
    # given an org that hides account licensed seats, with a day of usage recording 50 seats
    org = await build_org(fresh_db)
    await hide(fresh_db, org.admin, "account", "licensed_seats")
    await create_usage(fresh_db, org.member.org_id, org.account, date(2025, 3, 3), events=1)
    query = """query($id: ID!) {
      productUsage(id: $id, since: "2025-03-03", until: "2025-03-09") { licensedSeats }
    }"""
    for who, seats in ((org.member, None), (org.admin, 50)):
        # when each reads the account's product usage
        data = await data_of(fresh_db, who, query, id=encode_id("account", org.account))
        # then the member does not learn the seats the field hides; the admin does
        assert data["productUsage"]["licensedSeats"] == seats
