"""The home page tells people which clients can use the URL it shows (issue 11, item 8)."""

from __future__ import annotations

import httpx

from accountlens.db.engine import Database
from tests.auth.helpers import People, build_app, client_for, sign_in


async def test_on_loopback_the_home_page_says_claude_ai_needs_a_public_https_address(
    client: httpx.AsyncClient, people: People
) -> None:
    # given a server whose public URL is loopback (the quickstart)
    await sign_in(client, people.bob.email)
    # when a signed-in person opens the home page
    home = (await client.get("/")).text
    # then it names the clients that work here, and says Claude.ai and Desktop need https
    assert 'id="loopback-clients"' in home
    for name in ("Claude Code", "MCP Inspector", "VS Code", "Cursor"):
        assert name in home
    assert 'id="needs-public-https"' in home
    assert "Claude.ai and Claude Desktop" in home
    # and it does not walk them through adding the loopback URL as a Claude connector
    assert "Add custom connector" not in home


async def test_on_a_public_https_address_the_home_page_walks_through_the_claude_connector(
    fresh_db: Database, people: People
) -> None:
    app = build_app(fresh_db, "https://lens.example.com")
    async with client_for(app, "https://lens.example.com") as http:
        await sign_in(http, people.bob.email)
        home = (await http.get("/")).text
    assert "Add custom connector" in home
    assert "https://lens.example.com/mcp" in home
    assert 'id="needs-public-https"' not in home
