"""``search_objects`` says when its candidate cap cut a type's read, as list answers do."""

from __future__ import annotations

from accountlens.app import create_app
from tests.auth.helpers import settings_for
from tests.auth.live import free_port
from tests.mcp.conftest import Live
from tests.mcp.live import Persona, call, serve_with_lifespan
from tests.schema.demo import DEMO_USERS

ADMIN = "restricted admin"
RENEWAL = {"query": "renewal"}


async def test_a_search_cut_at_the_candidate_cap_says_its_total_is_a_lower_bound(
    live: Live,
) -> None:
    # given the demo workspace served with a cap of 2 candidates per type and tier
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    settings = settings_for(base_url).model_copy(update={"search_candidate_cap": 2})
    app = create_app(settings, database=live.db)
    async with serve_with_lifespan(app, port):
        persona = await Persona(base_url, DEMO_USERS[ADMIN], "admin").connect()
        async with persona.client() as client:
            # when a common word is searched
            capped = await call(client, "search_objects", RENEWAL)
    # then the total is marked as a lower bound, right after it
    assert list(capped)[:2] == ["total", "total_is_lower_bound"]
    assert capped["total_is_lower_bound"] is True
    assert capped["total"] >= 2


async def test_a_search_within_the_default_cap_carries_no_lower_bound_key(live: Live) -> None:
    # given the demo workspace with the default cap (no type has 1,000 matches)
    persona = await live.persona(ADMIN)
    async with persona.client() as client:
        # when the same word is searched
        exact = await call(client, "search_objects", RENEWAL)
    # then the answer is as before: an exact total, no lower-bound key
    assert "total_is_lower_bound" not in exact
    assert exact["total"] > 2
