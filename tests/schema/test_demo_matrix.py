"""SPEC §4 on the demo workspace: every demo persona × every list, lookup and search."""

from __future__ import annotations

import uuid

from accountlens.db.engine import Database
from accountlens.schema.ids import decode_id
from tests.schema.demo import demo_principals
from tests.schema.expected import snapshot, visible_ids
from tests.schema.helpers import data_of
from tests.schema.test_visibility_matrix import check_matrix


async def test_every_demo_persona_sees_exactly_what_spec_4_allows(demo_db: Database) -> None:
    await check_matrix(demo_db, await demo_principals(demo_db))


async def test_keyword_search_hits_are_always_visible_to_the_searcher(demo_db: Database) -> None:
    snap = await snapshot(demo_db)
    for label, who in (await demo_principals(demo_db)).items():
        allowed = visible_ids(snap, who)
        for term in ("acme", "globex", "renewal", "onboarding", "login"):
            data = await data_of(
                demo_db,
                who,
                "query($q: String!) { search(query: $q, first: 100) "
                "{ totalCount hits { node { id objectType } } } }",
                q=term,
            )
            hits = data["search"]["hits"]
            for hit in hits:
                decoded = decode_id(hit["node"]["id"])
                assert decoded is not None
                assert decoded[1] in allowed[decoded[0]], (label, term, hit)
            assert data["search"]["totalCount"] >= len(hits)


async def test_semantic_search_passages_are_always_visible_to_the_searcher(
    demo_db: Database,
) -> None:
    snap = await snapshot(demo_db)
    for label, who in (await demo_principals(demo_db)).items():
        allowed = visible_ids(snap, who)["chunk"]
        data = await data_of(
            demo_db,
            who,
            '{ semanticSearch(query: "pricing concerns at renewal", first: 50, mode: KEYWORD) '
            "{ passages { id } } }",
        )
        ids = [decode_id(p["id"]) for p in data["semanticSearch"]["passages"]]
        assert all(d is not None and d[1] in allowed for d in ids), label
        assert all(isinstance(d[1], uuid.UUID) for d in ids if d)
