"""Search, property discovery, groups, comments, custom objects, usage and the timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from accountlens.db.engine import Database
from accountlens.resolvers import search as keyword
from accountlens.schema.ids import encode_id
from tests.factories import (
    create_account,
    create_activity,
    create_comment,
    create_custom_object,
    create_custom_type,
    create_document,
    create_group,
    create_opportunity,
    create_org,
    create_person,
    create_property,
    create_stage_change,
    create_task,
    create_ticket,
    create_usage,
    create_user,
)
from tests.schema.helpers import data_of, execute


async def test_keyword_search_tolerates_typos_ranks_prefixes_first_and_hides_the_invisible(
    fresh_db: Database,
) -> None:
    # given
    org = await create_org(fresh_db)
    member = await create_user(fresh_db, org)
    acme = await create_account(fresh_db, org, "Acme Corp", owner=member.user_id)
    await create_account(fresh_db, org, "Acme Hidden")
    await create_person(fresh_db, org, acme, "Acmeline Jones")
    await create_account(fresh_db, org, "Globex", owner=member.user_id)
    # when
    typo = await data_of(
        fresh_db,
        member,
        '{ search(query: "acme crop") { totalCount hits { matched node { objectType } } } }',
    )
    prefix = await data_of(fresh_db, member, '{ search(query: "Acm") { hits { matched } } }')
    # then
    assert typo["search"]["hits"][0]["matched"] == "Acme Corp"
    names = [h["matched"] for h in prefix["search"]["hits"]]
    assert set(names) == {"Acme Corp", "Acmeline Jones"}
    assert "Acme Hidden" not in [h["matched"] for h in typo["search"]["hits"]]


async def test_callers_sharing_one_cached_search_statement_each_find_only_their_own_rows(
    fresh_db: Database,
) -> None:
    # given: two members of a restricted org with a book each (one statement shape), one
    # with an account-less task of their own, and a member of an open org
    org = await create_org(fresh_db)
    ann = await create_user(fresh_db, org)
    bob = await create_user(fresh_db, org)
    await create_account(fresh_db, org, "Acme North", owner=ann.user_id)
    await create_account(fresh_db, org, "Acme South", owner=bob.user_id)
    await create_task(fresh_db, org, "Acme kickoff notes", assignee=ann.user_id)
    open_org = await create_org(fresh_db, visibility="open")
    cyd = await create_user(fresh_db, open_org)
    await create_account(fresh_db, open_org, "Acme Elsewhere")
    query = '{ search(query: "acme") { totalCount hits { matched } } }'
    built = keyword._statements.builds
    # when: one after the other, Ann again after Bob
    seen = []
    for caller in (ann, bob, cyd, ann):
        data = (await data_of(fresh_db, caller, query))["search"]
        seen.append((data["totalCount"], {h["matched"] for h in data["hits"]}))
    # then
    assert seen == [
        (2, {"Acme North", "Acme kickoff notes"}),
        (1, {"Acme South"}),
        (1, {"Acme Elsewhere"}),
        (2, {"Acme North", "Acme kickoff notes"}),
    ]
    # Two shapes (restricted with a book, open): Bob and Ann's second search reused a
    # statement built for another caller, so the rows above came through its parameters.
    assert keyword._statements.builds - built <= 2


async def test_properties_list_standard_custom_and_group_fields_with_allowed_values(
    fresh_db: Database,
) -> None:
    org = await create_org(fresh_db)
    admin = await create_user(fresh_db, org, role="admin")
    await create_property(
        fresh_db, org, "account", "tier", "enum", allowed_values=["gold", "silver"]
    )
    await create_group(fresh_db, org, "At Risk")
    data = await data_of(
        fresh_db,
        admin,
        '{ properties(objectType: "account") { key dataType isCustom allowedValues filterField } }',
    )
    by_key = {p["key"]: p for p in data["properties"]}
    assert by_key["health_trend"]["allowedValues"] == ["up", "flat", "down"]
    assert by_key["tier"] == {
        "key": "tier",
        "dataType": "enum",
        "isCustom": True,
        "allowedValues": ["gold", "silver"],
        "filterField": "tier",
    }
    assert by_key["segment"]["allowedValues"] == ["At Risk"]
    _, errors = await execute(fresh_db, admin, '{ properties(objectType: "acount") { key } }')
    assert errors[0]["extensions"]["suggestions"] == ["account"]


async def test_custom_object_types_report_fields_and_visible_counts_and_list_instances(
    fresh_db: Database,
) -> None:
    org = await create_org(fresh_db)
    member = await create_user(fresh_db, org)
    mine = await create_account(fresh_db, org, "Mine", owner=member.user_id)
    other = await create_account(fresh_db, org, "Other")
    kind = await create_custom_type(fresh_db, org, "contract", "Contract")
    await create_property(fresh_db, org, "custom:contract", "value", "money")
    await create_custom_object(fresh_db, org, kind, "C1", account_id=mine, custom={"value": 900})
    await create_custom_object(fresh_db, org, kind, "C2", account_id=other, custom={"value": 50})
    await create_custom_object(fresh_db, org, kind, "C3", custom={"value": 5})
    data = await data_of(
        fresh_db,
        member,
        """{ customObjectTypes { key count fields { key dataType } }
             customObjects(type: "contract", filter: [{field: "value", op: GT, value: 10}]) {
               totalCount nodes { name values account { name } customType { label } } } }""",
    )
    (kind_data,) = data["customObjectTypes"]
    assert kind_data["count"] == 2
    assert {"key": "value", "dataType": "money"} in kind_data["fields"]
    assert data["customObjects"]["nodes"] == [
        {
            "name": "C1",
            "values": {"value": 900},
            "account": {"name": "Mine"},
            "customType": {"label": "Contract"},
        }
    ]


async def test_group_memberships_and_group_members_show_only_visible_members(
    fresh_db: Database,
) -> None:
    org = await create_org(fresh_db)
    member = await create_user(fresh_db, org)
    mine = await create_account(fresh_db, org, "Mine", owner=member.user_id)
    other = await create_account(fresh_db, org, "Other")
    champion = await create_person(fresh_db, org, mine, "Chris")
    await create_group(fresh_db, org, "At Risk", members=(mine, other))
    await create_group(
        fresh_db, org, "Champions", member_type="person", kind="list", members=(champion,)
    )
    data = await data_of(
        fresh_db,
        member,
        """query($p: ID!) { groupMemberships(memberId: $p) { name kind }
             groups(sort: [{field: "name"}]) {
               nodes { name accounts { totalCount nodes { name } } } } }""",
        p=encode_id("person", champion),
    )
    assert data["groupMemberships"] == [{"name": "Champions", "kind": "list"}]
    at_risk = data["groups"]["nodes"][0]
    assert at_risk == {
        "name": "At Risk",
        "accounts": {"totalCount": 1, "nodes": [{"name": "Mine"}]},
    }


async def test_task_comments_come_oldest_first_and_an_invisible_task_is_not_found(
    fresh_db: Database,
) -> None:
    org = await create_org(fresh_db)
    member = await create_user(fresh_db, org)
    mine = await create_task(fresh_db, org, "Mine", assignee=member.user_id)
    hidden = await create_task(fresh_db, org, "Hidden")
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    await create_comment(fresh_db, org, mine, "second", t0 + timedelta(hours=1))
    await create_comment(fresh_db, org, mine, "first", t0)
    await create_comment(fresh_db, org, hidden, "secret", t0)
    query = "query($t: ID!) { taskComments(taskId: $t) { totalCount nodes { body } } }"
    data = await data_of(fresh_db, member, query, t=encode_id("task", mine))
    assert data["taskComments"] == {
        "totalCount": 2,
        "nodes": [{"body": "first"}, {"body": "second"}],
    }
    _, errors = await execute(fresh_db, member, query, t=encode_id("task", hidden))
    assert errors[0]["extensions"]["code"] == "NOT_FOUND"


async def test_product_usage_buckets_by_week_breaks_down_features_and_compares_windows(
    fresh_db: Database,
) -> None:
    org = await create_org(fresh_db)
    admin = await create_user(fresh_db, org, role="admin")
    acme = await create_account(fresh_db, org, "Acme Corp")
    start = date(2025, 3, 3)  # a Monday
    for offset in range(14):
        day = start + timedelta(days=offset)
        await create_usage(fresh_db, org, acme, day, events=10, minutes=5, active_users=offset)
        await create_usage(fresh_db, org, acme, day, events=3, feature="reports")
    for offset in range(1, 15):
        await create_usage(fresh_db, org, acme, start - timedelta(days=offset), events=5)
    data = await data_of(
        fresh_db,
        admin,
        """query($id: ID!) { productUsage(id: $id, since: "2025-03-03", until: "2025-03-16") {
             current { events activeUsers } previous { events } eventsChangePercent
             buckets { start totals { events } } features { feature current { events } }
             licensedSeats } }""",
        id=encode_id("account", acme),
    )
    usage = data["productUsage"]
    assert usage["current"] == {"events": 140, "activeUsers": 13}
    assert usage["previous"] == {"events": 70}
    assert usage["eventsChangePercent"] == 100.0
    assert usage["buckets"] == [
        {"start": "2025-03-03", "totals": {"events": 70}},
        {"start": "2025-03-10", "totals": {"events": 70}},
    ]
    assert usage["features"] == [{"feature": "reports", "current": {"events": 42}}]
    assert usage["licensedSeats"] == 50


async def test_the_account_timeline_merges_every_kind_newest_first_and_pages(
    fresh_db: Database,
) -> None:
    org = await create_org(fresh_db)
    admin = await create_user(fresh_db, org, role="admin")
    acme = await create_account(fresh_db, org, "Acme Corp")
    other = await create_account(fresh_db, org, "Other")
    now = datetime.now(UTC)
    await create_activity(fresh_db, org, acme, "Kickoff call", now - timedelta(days=1), kind="call")
    await create_ticket(fresh_db, org, acme, "Login broken", now - timedelta(days=2))
    opp = await create_opportunity(fresh_db, org, acme, "Renewal")
    await create_stage_change(fresh_db, org, opp, acme, now - timedelta(days=3))
    await create_document(
        fresh_db, org, "QBR transcript", account_id=acme, at=now - timedelta(days=4)
    )
    await create_activity(fresh_db, org, acme, "Too old", now - timedelta(days=90))
    await create_activity(fresh_db, org, other, "Elsewhere", now - timedelta(days=1))
    await create_task(fresh_db, org, "Send notes", account_id=acme)
    query = """query($id: ID!, $after: String) {
      accountTimeline(accountId: $id, since: "-30d", first: 3, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { kind title node { displayName } } } }"""
    first = (await data_of(fresh_db, admin, query, id=encode_id("account", acme)))[
        "accountTimeline"
    ]
    rest = (
        await data_of(
            fresh_db,
            admin,
            query,
            id=encode_id("account", acme),
            after=first["pageInfo"]["endCursor"],
        )
    )["accountTimeline"]
    kinds = [n["kind"] for n in first["nodes"] + rest["nodes"]]
    assert first["totalCount"] == 5
    assert kinds == ["task", "activity", "ticket", "opportunity", "meeting"]
    assert rest["nodes"][0]["title"] == "Renewal: Discovery → Proposal"
    assert rest["nodes"][0]["node"] == {"displayName": "Renewal"}
    assert not rest["pageInfo"]["hasNextPage"]


async def test_me_names_the_user_org_and_role(fresh_db: Database) -> None:
    org = await create_org(fresh_db, visibility="open", tz="Europe/Paris")
    member = await create_user(fresh_db, org, name="Mia")
    data = await data_of(
        fresh_db, member, "{ me { role user { name } org { accountVisibility timezone } } }"
    )
    assert data["me"] == {
        "role": "member",
        "user": {"name": "Mia"},
        "org": {"accountVisibility": "open", "timezone": "Europe/Paris"},
    }
