"""The four example questions of SPEC §1, each one GraphQL query, checked against raw rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from tests.schema.demo import demo_principal
from tests.schema.expected import Snapshot, snapshot, visible_ids
from tests.schema.helpers import data_of

PERSONAS = ("ada@northwind.example", "katherine@northwind.example", "niels@contoso.example")


def org_today(snap: Snapshot, who: Principal) -> tuple[date, ZoneInfo]:
    (org,) = snap.rows("orgs", who.org_id)
    tz = ZoneInfo(org["timezone"])
    return datetime.now(UTC).astimezone(tz).date(), tz


def account_named(snap: Snapshot, who: Principal, name: str) -> dict[str, object] | None:
    visible = visible_ids(snap, who)["account"]
    found = [
        a for a in snap.rows("accounts", who.org_id) if a["name"] == name and a["id"] in visible
    ]
    return found[0] if found else None


@pytest.mark.parametrize("email", PERSONAS)
async def test_what_happened_with_acme_corp_in_the_last_30_days(
    demo_db: Database, email: str
) -> None:
    who = await demo_principal(demo_db, email)
    snap = await snapshot(demo_db)
    data = await data_of(
        demo_db,
        who,
        """{ accounts(filter: [{field: "name", op: EQ, value: "Acme Corp"}]) { nodes {
             name healthScore healthTrend renewalDate arr { amount currency }
             timeline(since: "-30d", first: 50) { kind at title detail } } } }""",
    )
    acme = account_named(snap, who, "Acme Corp")
    nodes = data["accounts"]["nodes"]
    if acme is None:
        assert nodes == []
        return
    (node,) = nodes
    today, tz = org_today(snap, who)
    since = datetime.combine(today - timedelta(days=30), time(), tz)
    expected = sorted(
        [
            a["occurred_at"]
            for a in snap.rows("activities", who.org_id)
            if a["account_id"] == acme["id"]
        ]
        + [
            t["opened_at"]
            for t in snap.rows("tickets", who.org_id)
            if t["account_id"] == acme["id"]
        ]
        + [t["created_at"] for t in snap.rows("tasks", who.org_id) if t["account_id"] == acme["id"]]
        + [
            d["occurred_at"]
            for d in snap.rows("documents", who.org_id)
            if d["account_id"] == acme["id"] and d["kind"] == "transcript"
        ],
        reverse=True,
    )
    expected = [at for at in expected if at >= since]
    got = [datetime.fromisoformat(e["at"]) for e in node["timeline"] if e["kind"] != "opportunity"]
    assert got == expected[: len(got)]
    assert len(got) == min(len(expected), 50 - (len(node["timeline"]) - len(got)))
    assert node["timeline"], "the demo gives Acme Corp a busy last month"
    assert node["healthScore"] == acme["health_score"]


@pytest.mark.parametrize("email", PERSONAS)
async def test_open_opportunities_over_50k_closing_this_quarter(
    demo_db: Database, email: str
) -> None:
    who = await demo_principal(demo_db, email)
    snap = await snapshot(demo_db)
    data = await data_of(
        demo_db,
        who,
        """{ opportunities(first: 100, sort: [{field: "amount", direction: DESC}], filter: [
               {field: "stage_category", op: EQ, value: "open"},
               {field: "amount", op: GT, value: 50000},
               {field: "close_date", op: EQ, value: "this_quarter"}]) {
             totalCount nodes { name amount { amount currency } closeDate account { name } } } }""",
    )
    today, _ = org_today(snap, who)
    first_month = (today.month - 1) // 3 * 3 + 1
    start = date(today.year, first_month, 1)
    end = date(today.year + (first_month + 3 > 12), (first_month + 2) % 12 + 1, 1)
    visible = visible_ids(snap, who)["opportunity"]
    expected = sorted(
        o["name"]
        for o in snap.rows("opportunities", who.org_id)
        if o["id"] in visible
        and o["stage_category"] == "open"
        and (o["amount"] or 0) > Decimal(50000)
        and o["close_date"] is not None
        and start <= o["close_date"] < end
    )
    result = data["opportunities"]
    assert result["totalCount"] == len(expected)
    assert sorted(n["name"] for n in result["nodes"]) == expected
    amounts = [Decimal(n["amount"]["amount"]) for n in result["nodes"]]
    assert amounts == sorted(amounts, reverse=True)


@pytest.mark.parametrize("email", PERSONAS)
async def test_which_contacts_at_globex_are_champions(demo_db: Database, email: str) -> None:
    who = await demo_principal(demo_db, email)
    snap = await snapshot(demo_db)
    data = await data_of(
        demo_db,
        who,
        """{ people(first: 100, filter: [{field: "account.name", op: EQ, value: "Globex"},
                                         {field: "persona", op: EQ, value: "champion"}]) {
             totalCount nodes { name title email account { name } } } }""",
    )
    globex = account_named(snap, who, "Globex")
    expected = sorted(
        p["name"]
        for p in snap.rows("people", who.org_id)
        if globex is not None and p["account_id"] == globex["id"] and p["persona"] == "champion"
    )
    assert sorted(n["name"] for n in data["people"]["nodes"]) == expected
    assert data["people"]["totalCount"] == len(expected)
    if email == "ada@northwind.example":
        assert expected, "the demo gives Globex champions"


@pytest.mark.parametrize("email", PERSONAS)
async def test_latest_support_tickets_for_at_risk_accounts(demo_db: Database, email: str) -> None:
    who = await demo_principal(demo_db, email)
    snap = await snapshot(demo_db)
    data = await data_of(
        demo_db,
        who,
        """{ tickets(first: 10, sort: [{field: "opened_at", direction: DESC}],
                     filter: [{field: "account.segment", op: EQ, value: "At Risk"}]) {
             totalCount nodes { subject status priority openedAt account { name } } } }""",
    )
    (group,) = [g for g in snap.rows("groups", who.org_id) if g["name"] == "At Risk"]
    at_risk = {
        m["account_id"]
        for m in snap.rows("group_members", who.org_id)
        if m["group_id"] == group["id"]
    }
    visible = visible_ids(snap, who)["ticket"]
    expected = sorted(
        (
            t
            for t in snap.rows("tickets", who.org_id)
            if t["id"] in visible and t["account_id"] in at_risk
        ),
        key=lambda t: t["opened_at"],
        reverse=True,
    )
    result = data["tickets"]
    assert result["totalCount"] == len(expected)
    assert [datetime.fromisoformat(n["openedAt"]) for n in result["nodes"]] == [
        t["opened_at"] for t in expected[:10]
    ]
