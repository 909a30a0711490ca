"""What did the assistant see: the org-wide audit page (admins) and one's own calls (members),
filtered, keyset-paged past 50, exported as CSV, each call listing the records it returned."""

from __future__ import annotations

import csv
import io
import re
import uuid

from fastapi import FastAPI

from accountlens.auth.audit import DatabaseAuditLog
from accountlens.auth.principal import Principal
from accountlens.db.engine import Database
from accountlens.mcp_adapter.audit import ToolCallEntry
from accountlens.schema.ids import encode_id
from tests.auth.helpers import People, Person
from tests.web.admin_helpers import BROWSER, browser_as

ROW = re.compile(r"<tr>\s*<td><time")


def connected(person: Person, client_id: str) -> Principal:
    return Principal(
        user_id=person.user_id,
        org_id=person.org_id,
        role="member",
        email=person.email,
        connection_id=uuid.uuid4(),
        client_id=client_id,
    )


def record_id(n: int) -> str:
    return encode_id("account", uuid.UUID(int=n + 1))


async def record_calls(db: Database, principal: Principal, tool: str, count: int) -> None:
    log = DatabaseAuditLog(lambda: db)  # not running: each call is written at once
    for n in range(count):
        await log.record(
            ToolCallEntry(
                principal=principal,
                tool=tool,
                arguments={"query": f"q{n}"},
                outcome="ok",
                result_count=2,
                latency_ms=3.0,
                record_ids=(record_id(n), record_id(n + 1000)),
            )
        )


async def test_an_admin_sees_every_call_of_the_org_with_the_records_each_returned(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    # given calls by bob and carol in acme, and by dave in globex
    await record_calls(fresh_db, connected(people.bob, "client-b"), "search", 2)
    await record_calls(fresh_db, connected(people.carol, "client-c"), "get_record", 1)
    await record_calls(fresh_db, connected(people.dave, "client-d"), "search", 1)
    async with browser_as(app, people.alice.email) as alice:
        page = await alice.get("/activity")
    # then the admin sees acme's three calls with their records linked, and none of globex's
    assert page.status_code == 200
    assert len(ROW.findall(page.text)) == 3
    assert people.bob.email in page.text
    assert people.carol.email in page.text
    assert people.dave.email not in page.text
    assert f'href="/records/{record_id(0)}"' in page.text


async def test_a_member_sees_only_the_calls_of_their_own_connections(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    await record_calls(fresh_db, connected(people.bob, "client-b"), "search", 2)
    await record_calls(fresh_db, connected(people.carol, "client-c"), "get_record", 1)
    async with browser_as(app, people.bob.email) as bob:
        page = await bob.get("/activity")
        # even asking for carol's calls by name shows nothing of hers
        carols = await bob.get(f"/activity?user={encode_id('user', people.carol.user_id)}")
        exported = await bob.get("/activity.csv")
    assert len(ROW.findall(page.text)) == 2
    assert people.carol.email not in page.text
    assert len(ROW.findall(carols.text)) == 0
    assert people.carol.email not in exported.text


async def test_filters_narrow_by_person_client_tool_and_date(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    await record_calls(fresh_db, connected(people.bob, "client-b"), "search", 2)
    await record_calls(fresh_db, connected(people.carol, "client-c"), "get_record", 1)
    bob = encode_id("user", people.bob.user_id)
    async with browser_as(app, people.alice.email) as alice:
        by_user = await alice.get(f"/activity?user={bob}")
        by_client = await alice.get("/activity?client=client-c")
        by_tool = await alice.get("/activity?tool=get_record")
        past = await alice.get("/activity?from=2020-01-01&to=2020-12-31")
        today = await alice.get("/activity?from=2020-01-01")
        bad_date = await alice.get("/activity?from=yesterday", headers=BROWSER)
    assert len(ROW.findall(by_user.text)) == 2
    assert len(ROW.findall(by_client.text)) == 1
    assert people.carol.email in by_client.text
    assert len(ROW.findall(by_tool.text)) == 1
    assert len(ROW.findall(past.text)) == 0
    assert len(ROW.findall(today.text)) == 3
    assert bad_date.status_code == 400


async def test_pages_of_fifty_reach_every_call_once_and_the_csv_holds_the_filtered_set(
    app: FastAPI, people: People, fresh_db: Database
) -> None:
    # given 60 calls through one client and 5 through another
    await record_calls(fresh_db, connected(people.bob, "client-b"), "search", 60)
    await record_calls(fresh_db, connected(people.bob, "client-x"), "search", 5)
    async with browser_as(app, people.alice.email) as alice:
        first = await alice.get("/activity?client=client-b")
        older = re.search(r'href="([^"]+)" rel="next"', first.text)
        assert older is not None
        second = await alice.get(older.group(1).replace("&amp;", "&"))
        exported = await alice.get("/activity.csv?client=client-b")
    # then the first page has 50, the next the other 10 and no further link
    assert len(ROW.findall(first.text)) == 50
    assert len(ROW.findall(second.text)) == 10
    assert 'rel="next"' not in second.text
    # each call's arguments are shown; together the pages hold all 60, none twice
    asked = re.findall(r"\"q(\d+)\"", first.text) + re.findall(r"\"q(\d+)\"", second.text)
    assert sorted(int(n) for n in asked) == list(range(60))
    # and the CSV holds exactly the 60 filtered calls, with the records each returned
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 60
    assert {r["client_id"] for r in rows} == {"client-b"}
    assert {r["user"] for r in rows} == {people.bob.email}
    assert rows[-1]["record_ids"] == f"{record_id(0)} {record_id(1000)}"


async def test_signed_out_visitors_are_sent_to_sign_in(app: FastAPI) -> None:
    from tests.auth.helpers import client_for

    async with client_for(app) as visitor:
        for path in ("/activity", "/activity.csv"):
            answer = await visitor.get(path)
            assert answer.status_code == 303
            assert answer.headers["location"].startswith("/sign-in")
