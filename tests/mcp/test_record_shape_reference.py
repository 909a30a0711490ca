"""``shape.record`` gives, record for record, what its earlier, plainer form gave.

The record shaping runs for every record and field of every answer, so it was rewritten to do
less per field; ``reference_record`` below is the form it had before (issue 12), kept as the
reference. Both shape the same GraphQL records: every list type, every persona of the demo
(members have fields hidden from them), with every field a record shows, the tools' default
fields, identity only, and custom keys present and absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from accountlens.db.engine import Database
from accountlens.mcp_adapter.catalog import DEFAULT_FIELDS, LIST_TYPES, FieldInfo
from accountlens.mcp_adapter.compile import Compiler
from accountlens.mcp_adapter.shape import (
    output_key,
    plain,
    record,
    record_url,
    timeline_event,
    utc,
)
from accountlens.schema.root import schema
from tests.schema.demo import DEMO_USERS, demo_principal
from tests.schema.helpers import data_of

COMPILER = Compiler(schema._schema)
BASE = "https://lens.example"


def reference_record(
    node: dict[str, Any],
    base_url: str,
    fields: list[FieldInfo] | tuple[FieldInfo, ...] = (),
    custom: list[str] | tuple[str, ...] = (),
    aliases: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``shape.record`` as it was before issue 12's rewrite (the reference)."""
    out: dict[str, Any] = {
        "id": node["id"],
        "type": node.get("objectType"),
        "name": node.get("displayName"),
        "url": record_url(base_url, node["id"]),
    }
    if node.get("updatedAt"):
        out["updated_at"] = utc(node["updatedAt"])
    for info in fields:
        value = node.get((aliases or {}).get(info.graphql, info.graphql))
        if value in (None, [], {}) or (info.name == "name" and value == out["name"]):
            continue
        if info.target == "TimelineEvent":
            out[output_key(info.name, out)] = [timeline_event(e, base_url) for e in value]
            continue
        out[output_key(info.name, out)] = plain(value)
    values = node.get("custom") or {}
    for key in custom:
        if values.get(key) is not None:
            out[key] = values[key]
    return out


def selections(object_type: str, graphql_type: str) -> list[list[FieldInfo]]:
    """Every field a record shows, the tools' defaults, and identity only."""
    known = COMPILER.catalog.fields(graphql_type)
    detail = [f for f in known.values() if not f.paged]
    defaults = COMPILER.choose(graphql_type, None, DEFAULT_FIELDS[object_type]).standard
    return [detail, defaults, []]


@pytest.mark.parametrize("persona", list(DEMO_USERS))
async def test_records_are_shaped_as_the_reference_shaped_them(
    demo_db: Database, persona: str
) -> None:
    # given a persona of the demo and a page of every list type with every field it shows
    who = await demo_principal(demo_db, DEMO_USERS[persona])
    ds = COMPILER.dsl
    shaped = 0
    for object_type, (root_field, graphql_type) in LIST_TYPES.items():
        detail = [f for f in COMPILER.catalog.fields(graphql_type).values() if not f.paged]
        node = COMPILER.record(graphql_type, detail, custom=True)
        connection = COMPILER.connection(graphql_type + "Connection", node)

        def roots(_: Any, root_field: str = root_field, connection: Any = connection) -> list[Any]:
            return [getattr(ds.Query, root_field).args(first=25).select(*connection)]

        document = COMPILER.operation("Page", roots, shape=("ref", graphql_type)).document
        edges = (await data_of(demo_db, who, document))[root_field]["edges"]
        for edge in edges:
            raw = edge["node"]
            keys = sorted(raw.get("custom") or {})
            for fields in selections(object_type, graphql_type):
                for custom in (keys, [*keys[:1], "no_such_key"], []):
                    # when one record is shaped by the code and by the reference
                    found = record(raw, BASE, fields, custom)
                    expected = reference_record(raw, BASE, fields, custom)
                    # then both give the same keys, in the same order, with the same values
                    assert found == expected, (persona, object_type)
                    assert list(found) == list(expected)
                    shaped += 1
    assert shaped
