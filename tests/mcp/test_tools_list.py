"""Acceptance 1 (listing): both protocol modes see twelve read-only tools with output schemas."""

from __future__ import annotations

import pytest

from accountlens.mcp_adapter.tools import TOOL_NAMES
from tests.mcp.conftest import Live
from tests.mcp.live import MODES


@pytest.mark.parametrize("mode", MODES)
async def test_tools_list_shows_the_twelve_read_only_tools_with_output_schemas(
    live: Live, mode: str
) -> None:
    persona = await live.persona("restricted admin")
    async with persona.client(mode) as client:
        listed = await client.list_tools()
        version = client.protocol_version
    tools = {tool.name: tool for tool in listed.tools}
    assert set(tools) == set(TOOL_NAMES)
    assert len(tools) == 12
    for tool in tools.values():
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is True
        assert tool.annotations.open_world_hint is False
        assert tool.output_schema is not None
        assert tool.output_schema.get("type") == "object"
        assert tool.description
        assert "Example:" in tool.description
    assert version == ("2025-11-25" if mode == "legacy" else "2026-07-28")
