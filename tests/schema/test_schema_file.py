"""The committed ``schema.graphql`` is exactly what the code serves."""

from __future__ import annotations

from pathlib import Path

from accountlens.schema.export import sdl

COMMITTED = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_the_committed_schema_file_matches_the_schema_the_code_builds() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == sdl(), (
        "schema.graphql is stale: run `python -m accountlens.schema.export schema.graphql`"
    )


def test_every_enum_value_of_the_schema_is_upper_case() -> None:
    # given the schema the code serves (GraphQL's convention: enum values are UPPER_CASE;
    # docs/tools.md says why the MCP tools still take lowercase)
    from graphql import GraphQLEnumType

    from accountlens.schema.root import schema

    enums = [
        t
        for name, t in schema._schema.type_map.items()
        if isinstance(t, GraphQLEnumType) and not name.startswith("__")
    ]
    # then every value of every enum, operators included, is spelled in capitals
    assert enums
    lower = {f"{e.name}.{v}" for e in enums for v in e.values if v != v.upper()}
    assert not lower, sorted(lower)
