"""AccountLens offers tools only: no prompt or resource is advertised, and asking for one is a
plain JSON-RPC "method not found", never an internal error with a traceback in our log."""

from __future__ import annotations

import logging

import pytest
from mcp.shared.exceptions import MCPError

from tests.mcp.conftest import Live
from tests.mcp.live import MODES

METHOD_NOT_FOUND = -32601


@pytest.mark.parametrize("mode", MODES)
async def test_an_unknown_prompt_is_method_not_found_with_no_error_logged(
    live: Live, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    persona = await live.persona("restricted admin")
    caplog.set_level(logging.WARNING)
    async with persona.client(mode) as client:
        capabilities = client.server_capabilities
        with pytest.raises(MCPError) as prompt:
            await client.get_prompt("summarize_account", {"account": "Acme"})
        with pytest.raises(MCPError) as resource:
            await client.read_resource("accountlens://accounts/acme")
        tools = await client.list_tools()
    assert capabilities.prompts is None
    assert capabilities.resources is None
    assert capabilities.tools is not None
    assert prompt.value.error.code == METHOD_NOT_FOUND
    assert resource.value.error.code == METHOD_NOT_FOUND
    assert len(tools.tools) == 12
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
