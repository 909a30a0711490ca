"""Lists: visibility, filters, sorting and paging, against rows the test inserts itself."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from accountlens.db.engine import Database
from accountlens.schema.ids import encode_id
from tests.factories import (
    create_account,
    create_group,
    create_opportunity,
    create_org,
    create_person,
    create_property,
    create_ticket,
    create_user,
)
from tests.schema.helpers import data_of, execute


async def test_a_member_of_a_restricted_org_lists_only_the_accounts_they_own(
    fresh_db: Database,
) -> None:
    # given
    org = await create_org(fresh_db)
    member = await create_user(fresh_db, org)
    await create_account(fresh_db, org, "Mine", owner=member.user_id)
    await create_account(fresh_db, org, "Not mine")
    # when
    data = await data_of(fresh_db, member, "{ accounts { totalCount nodes { name } } }")
    # then
    assert data["accounts"] == {"totalCount": 1, "nodes": [{"name": "Mine"}]}


async def test_pages_follow_the_sort_and_end_cursor_without_gaps_or_repeats(
    fresh_db: Database,
) -> None:
    # given 7 accounts, two sharing an ARR and one without
    org = await create_org(fresh_db)
    admin = await create_user(fresh_db, org, role="admin")
    arrs = [500, 100, 300, 300, None, 200, 900]
    for i, arr in enumerate(arrs):
        await create_account(fresh_db, org, f"A{i}", arr_amount=arr)
    query = """query($after: String) {
      accounts(first: 3, after: $after, sort: [{field: "arr", direction: DESC}]) {
        totalCount pageInfo { hasNextPage endCursor } nodes { name arr { amount } }
      }
    }"""
    # when
    seen: list[str] = []
    after = None
    while True:
        page = (await data_of(fresh_db, admin, query, after=after))["accounts"]
        assert page["totalCount"] == 7
        seen += [n["name"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    # then: descending ARR, ties in a stable order, the account without ARR last
    assert len(seen) == 7 == len(set(seen))
    assert seen[0] == "A6"
    assert seen[-1] == "A4"
    assert set(seen[2:4]) == {"A2", "A3"}


async def test_filters_combine_money_shorthand_relative_dates_and_enum_values(
    fresh_db: Database,
) -> None:
    # given
    org = await create_org(fresh_db)
    admin = await create_user(fresh_db, org, role="admin")
    acme = await create_account(fresh_db, org, "Acme Corp")
    today = datetime.now(UTC).date()
    await create_opportunity(fresh_db, org, acme, "Big now", amount=80_000, close_date=today)
    await create_opportunity(fresh_db, org, acme, "Small now", amount=20_000, close_date=today)
    await create_opportunity(
        fresh_db, org, acme, "Big later", amount=90_000, close_date=today + timedelta(days=400)
    )
    await create_opportunity(
        fresh_db, org, acme, "Big won", amount=90_000, close_date=today, stage_category="won"
    )
    # when
    data = await data_of(
        fresh_db,
        admin,
        """{ opportunities(filter: [
              {field: "stage_category", op: EQ, value: "open"},
              {field: "amount", op: GT, value: "50k"},
              {field: "closeDate", op: EQ, value: "this_quarter"}]) {
            totalCount nodes { name account { name } } } }""",
    )
    # then
    assert data["opportunities"] == {
        "totalCount": 1,
        "nodes": [{"name": "Big now", "account": {"name": "Acme Corp"}}],
    }


async def test_parent_account_fields_and_segments_filter_child_records(fresh_db: Database) -> None:
    # given
    org = await create_org(fresh_db)
    admin = await create_user(fresh_db, org, role="admin")
    risky = await create_account(fresh_db, org, "Risky")
    calm = await create_account(fresh_db, org, "Calm")
    await create_group(fresh_db, org, "At Risk", members=(risky,))
    at = datetime(2025, 3, 1, tzinfo=UTC)
    await create_ticket(fresh_db, org, risky, "Broken login", at)
    await create_ticket(fresh_db, org, calm, "Question", at)
    # when
    by_segment = await data_of(
        fresh_db,
        admin,
        '{ tickets(filter: [{field: "account.segment", op: EQ, value: "at risk"}]) '
        "{ nodes { subject } } }",
    )
    by_name = await data_of(
        fresh_db,
        admin,
        '{ tickets(filter: [{field: "account.name", op: STARTS_WITH, value: "Cal"}]) '
        "{ nodes { subject } } }",
    )
    # then
    assert by_segment["tickets"]["nodes"] == [{"subject": "Broken login"}]
    assert by_name["tickets"]["nodes"] == [{"subject": "Question"}]


async def test_custom_fields_filter_by_their_declared_type_with_or_without_prefix(
    fresh_db: Database,
) -> None:
    # given
    org = await create_org(fresh_db)
    admin = await create_user(fresh_db, org, role="admin")
    await create_property(fresh_db, org, "account", "seats_used", "integer")
    await create_property(
        fresh_db, org, "account", "tier", "enum", allowed_values=["gold", "silver"]
    )
    await create_account(fresh_db, org, "Ten", custom={"seats_used": 10, "tier": "gold"})
    await create_account(fresh_db, org, "Nine", custom={"seats_used": 9, "tier": "silver"})
    await create_account(fresh_db, org, "Junk", custom={"seats_used": "lots"})
    # when
    numeric = await data_of(
        fresh_db,
        admin,
        '{ accounts(filter: [{field: "seats_used", op: GTE, value: 10}]) { nodes { name } } }',
    )
    prefixed = await data_of(
        fresh_db,
        admin,
        '{ accounts(filter: [{field: "custom.tier", op: IN, value: ["Silver"]}]) '
        "{ nodes { name } } }",
    )
    sorted_ = await data_of(
        fresh_db, admin, '{ accounts(sort: [{field: "seats_used"}]) { nodes { name custom } } }'
    )
    # then
    assert numeric["accounts"]["nodes"] == [{"name": "Ten"}]
    assert prefixed["accounts"]["nodes"] == [{"name": "Nine"}]
    assert [n["name"] for n in sorted_["accounts"]["nodes"]] == ["Nine", "Ten", "Junk"]


async def test_unknown_fields_and_values_are_rejected_with_choices_or_a_close_match(
    fresh_db: Database,
) -> None:
    org = await create_org(fresh_db)
    admin = await create_user(fresh_db, org, role="admin")
    _, errors = await execute(
        fresh_db,
        admin,
        '{ opportunities(filter: [{field: "clsoe_date", op: EQ, value: "today"}]) { totalCount } }',
    )
    assert errors[0]["extensions"]["code"] == "BAD_INPUT"
    assert "close_date" in errors[0]["extensions"]["suggestions"]
    _, errors = await execute(
        fresh_db,
        admin,
        '{ opportunities(filter: [{field: "stage_category", op: EQ, value: "pending"}]) '
        "{ totalCount } }",
    )
    assert errors[0]["extensions"]["choices"] == ["lost", "open", "won"]
    _, errors = await execute(
        fresh_db,
        admin,
        '{ opportunities(filter: [{field: "close_date", op: LT, value: "someday"}]) '
        "{ totalCount } }",
    )
    assert errors[0]["extensions"]["code"] == "BAD_INPUT"
    assert "this_quarter" in errors[0]["message"]


async def test_a_reference_filter_takes_a_global_id(fresh_db: Database) -> None:
    org = await create_org(fresh_db)
    admin = await create_user(fresh_db, org, role="admin")
    acme = await create_account(fresh_db, org, "Acme Corp")
    globex = await create_account(fresh_db, org, "Globex")
    await create_person(fresh_db, org, acme, "Ann", persona="champion")
    await create_person(fresh_db, org, globex, "Gus", persona="champion")
    await create_person(fresh_db, org, globex, "Gil", persona="user")
    data = await data_of(
        fresh_db,
        admin,
        """query($acc: JSON) { people(filter: [{field: "account", op: EQ, value: $acc},
                                    {field: "persona", op: EQ, value: "Champion"}]) {
            nodes { name account { id } } } }""",
        acc=encode_id("account", globex),
    )
    assert data["people"]["nodes"] == [
        {"name": "Gus", "account": {"id": encode_id("account", globex)}}
    ]


async def test_date_columns_compare_against_relative_days(fresh_db: Database) -> None:
    org = await create_org(fresh_db)
    admin = await create_user(fresh_db, org, role="admin")
    today = datetime.now(UTC).date()
    await create_account(fresh_db, org, "Soon", renewal_date=today + timedelta(days=10))
    await create_account(fresh_db, org, "Late", renewal_date=today + timedelta(days=200))
    await create_account(fresh_db, org, "Past", renewal_date=date(2001, 1, 1))
    data = await data_of(
        fresh_db,
        admin,
        '{ accounts(filter: [{field: "renewal_date", op: BETWEEN, value: ["today", "+90d"]}]) '
        "{ nodes { name } } }",
    )
    assert data["accounts"]["nodes"] == [{"name": "Soon"}]


async def test_an_unknown_segment_name_is_refused_with_the_segments_that_exist(
    fresh_db: Database,
) -> None:
    org = await create_org(fresh_db)
    admin = await create_user(fresh_db, org, role="admin")
    await create_group(fresh_db, org, "At Risk")
    _, errors = await execute(
        fresh_db,
        admin,
        '{ tickets(filter: [{field: "account.segment", op: EQ, value: "At Rsk"}]) { totalCount } }',
    )
    assert errors[0]["extensions"]["code"] == "BAD_INPUT"
    assert errors[0]["extensions"]["suggestions"] == ["At Risk"]
