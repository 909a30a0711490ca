"""A connection narrowed on the consent page reads contracts exactly when contracts were chosen.

Contracts came after the consent page's type list was written by hand; the narrowable types now
come from the type catalogue, so a connection narrowed to accounts alone must not read them.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from accountlens.auth.principal import NARROWABLE_TYPES, Narrowing, Principal
from accountlens.db.engine import Database
from accountlens.schema.ids import encode_id
from tests.factories import create_account, create_contract, create_org, create_user
from tests.schema.helpers import data_of, execute

LIST = "{ contracts(first: 10) { totalCount nodes { name } } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"


def narrowed(principal: Principal, *types: str) -> Principal:
    """``principal`` reading through a connection narrowed to ``types``."""
    return dataclasses.replace(principal, narrowing=Narrowing(frozenset(types)))


async def test_contracts_are_a_type_the_consent_page_offers() -> None:
    assert "contract" in NARROWABLE_TYPES


async def test_a_connection_narrowed_to_contracts_reads_them(fresh_db: Database) -> None:
    org = await create_org(fresh_db)
    admin = await create_user(fresh_db, org, role="admin")
    account = await create_account(fresh_db, org)
    await create_contract(fresh_db, org, account, "Master agreement", date(2026, 1, 1))

    data = await data_of(fresh_db, narrowed(admin, "account", "contract"), LIST)

    assert data["contracts"]["totalCount"] == 1
    assert data["contracts"]["nodes"] == [{"name": "Master agreement"}]


async def test_a_connection_narrowed_without_contracts_cannot_read_them(
    fresh_db: Database,
) -> None:
    org = await create_org(fresh_db)
    admin = await create_user(fresh_db, org, role="admin")
    account = await create_account(fresh_db, org)
    contract = await create_contract(fresh_db, org, account, "Master agreement", date(2026, 1, 1))
    who = narrowed(admin, "account", "person")

    listed, list_errors = await execute(fresh_db, who, LIST)
    found, node_errors = await execute(fresh_db, who, NODE, id=encode_id("contract", contract))

    assert listed is None or listed.get("contracts") is None
    assert [e["extensions"]["code"] for e in list_errors] == ["OUTSIDE_NARROWING"]
    assert "cannot read contracts" in list_errors[0]["message"]
    assert "contract" in list_errors[0]["extensions"]["excluded"]
    assert found is None or found.get("node") is None
    assert [e["extensions"]["code"] for e in node_errors] == ["OUTSIDE_NARROWING"]
