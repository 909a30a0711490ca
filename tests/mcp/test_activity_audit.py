"""What did the assistant see, end to end: a real MCP tool call's returned record IDs are kept
with its audit row and listed on the org-wide audit (admins) but not to another member."""

from __future__ import annotations

import httpx

from tests.auth.helpers import sign_in
from tests.mcp.conftest import Live
from tests.mcp.live import PASSWORDS, Persona, call
from tests.schema.demo import DEMO_USERS, demo_principal
from tests.schema.helpers import data_of

AUDIT = """query Audit($tool: String) { toolCallAudit(tool: $tool, first: 200) {
             nodes { tool userEmail clientId recordIds arguments } } }"""


async def test_the_records_a_tool_call_returned_are_on_the_admins_audit_page(live: Live) -> None:
    # given a member's connection that listed three tickets
    persona = await Persona(live.base_url, DEMO_USERS["team member"], "member").connect()
    async with persona.client() as client:
        listed = await call(
            client, "list_objects", {"object_type": "ticket", "limit": 3, "fields": ["status"]}
        )
    returned = [record["id"] for record in listed["records"]]
    assert len(returned) == 3
    await live.app.state.mcp.audit.flush()
    admin = await demo_principal(live.db, DEMO_USERS["restricted admin"])
    colleague = await demo_principal(live.db, DEMO_USERS["narrow member"])
    # when the admin and another member read the org-wide audit
    seen = (await data_of(live.db, admin, AUDIT, tool="list_objects"))["toolCallAudit"]["nodes"]
    hidden = (await data_of(live.db, colleague, AUDIT, tool="list_objects"))["toolCallAudit"]
    # then the admin sees the call with exactly the records it returned; the colleague nothing
    mine = [n for n in seen if n["userEmail"] == DEMO_USERS["team member"]]
    assert mine
    assert mine[0]["recordIds"] == returned
    assert all(n["userEmail"] == DEMO_USERS["narrow member"] for n in hidden["nodes"])
    # and the admin's activity page links them
    async with httpx.AsyncClient(base_url=live.base_url) as browser:
        await sign_in(browser, DEMO_USERS["restricted admin"], PASSWORDS["admin"])
        page = await browser.get("/activity?tool=list_objects")
    assert page.status_code == 200
    assert all(f'href="/records/{record_id}"' in page.text for record_id in returned)
