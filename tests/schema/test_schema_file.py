"""The committed ``schema.graphql`` is exactly what the code serves."""

from __future__ import annotations

from pathlib import Path

from accountlens.schema.export import sdl

COMMITTED = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_the_committed_schema_file_matches_the_schema_the_code_builds() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == sdl(), (
        "schema.graphql is stale: run `python -m accountlens.schema.export schema.graphql`"
    )
