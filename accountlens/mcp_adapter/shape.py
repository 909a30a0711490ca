"""Shaping GraphQL data into records built for a model's context.

Every record is ``{id, type, name, url, updated_at, …the fields asked for}`` with snake_case
keys; references to other records shrink to ``{id, name}``; money is ``{amount, currency}``
with a number; empty values are dropped. A page keeps each record's cursor beside it (not in
the output) so the token budget can cut the page after any record and still say exactly where
to continue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from accountlens.mcp_adapter.catalog import FieldInfo, snake


def record_url(base_url: str, record_id: str) -> str:
    """The web page that shows a record to a person (``/records/<id>``)."""
    return f"{base_url}/records/{record_id}"


def number(text: object) -> int | float | None:
    """A Decimal string as a JSON number (integral amounts without a fraction)."""
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def utc(value: str) -> str:
    """``2026-11-24T14:00:00+00:00`` -> ``2026-11-24T14:00:00Z`` (five bytes, every timestamp)."""
    return value[:-6] + "Z" if value.endswith("+00:00") and "T" in value else value


def plain(value: Any) -> Any:
    """Any GraphQL value in the compact form (recursively)."""
    if isinstance(value, str):
        return utc(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "displayName" in value and "id" in value:
        return {"id": value["id"], "name": value["displayName"]}
    if set(value) == {"amount", "currency"}:
        return {"amount": number(value["amount"]), "currency": value["currency"]}
    return {snake(k): plain(v) for k, v in value.items() if v not in (None, [], {})}


#: Keys every record has; a field of the same name is shown under a qualified key.
ENVELOPE_KEYS = ("id", "type", "name", "url")


def output_key(field: str, out: dict[str, Any]) -> str:
    """``type`` of an opportunity (new, renewal …) is shown as ``opportunity_type``."""
    return f"{out['type']}_{field}" if field in ENVELOPE_KEYS else field


def record(
    node: dict[str, Any],
    base_url: str,
    fields: list[FieldInfo] | tuple[FieldInfo, ...] = (),
    custom: list[str] | tuple[str, ...] = (),
    aliases: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One compact record from a GraphQL node selected by ``Compiler.record``.

    ``aliases`` are the response keys of fields the compiler renamed (mixed-type fragments).
    A page runs this for every record and field: strings (most values) are shaped in place,
    and nothing is allocated per field but the value itself.
    """
    kind = node.get("objectType")
    name = node.get("displayName")
    out: dict[str, Any] = {
        "id": node["id"],
        "type": kind,
        "name": name,
        "url": record_url(base_url, node["id"]),
    }
    if node.get("updatedAt"):
        out["updated_at"] = utc(node["updatedAt"])
    for info in fields:
        graphql = info.graphql
        value = node.get(aliases.get(graphql, graphql) if aliases else graphql)
        if _empty(value) or (info.name == "name" and value == name):
            continue  # empty, or the display name again
        key = f"{kind}_{info.name}" if info.name in ENVELOPE_KEYS else info.name
        if type(value) is str:
            out[key] = utc(value)
        elif info.target == "TimelineEvent":
            out[key] = [timeline_event(e, base_url) for e in value or ()]
        else:
            out[key] = plain(value)
    values = node.get("custom") or {}
    for key in custom:
        if values.get(key) is not None:
            out[key] = values[key]
    return out


def _empty(value: Any) -> bool:
    """``value in (None, [], {})``, without building the list and dict to compare with."""
    return value is None or (type(value) in _CONTAINERS and not value)


_CONTAINERS = (list, dict)


def timeline_event(raw: dict[str, Any], base_url: str) -> dict[str, Any]:
    """A timeline event as a record of the thing that happened, plus its kind, time, detail.

    ``id``/``type`` are the record to open (for a deal's stage move: the deal), so a model can
    pass the id straight to ``get_objects``; ``name`` is the event's title.
    """
    event = {
        "id": raw["recordId"],
        "type": raw.get("objectType"),
        "name": raw.get("title"),
        "url": record_url(base_url, raw["recordId"]),
        "updated_at": utc(raw["updatedAt"]) if raw.get("updatedAt") else None,
        "kind": raw.get("kind"),
        "at": utc(raw["at"]) if raw.get("at") else None,
        # A meeting's detail is always "transcript": say nothing rather than repeat it.
        "detail": raw.get("detail") if raw.get("kind") != "meeting" else None,
    }
    return {k: v for k, v in event.items() if v is not None}


@dataclass
class Page:
    """Records with their cursors, the exact total and where the next page starts."""

    records: list[dict[str, Any]]
    cursors: list[str | None]
    total: int
    next_cursor: str | None
    extra: dict[str, Any] = field(default_factory=dict)
    total_is_lower_bound: bool = False
    """Counting stopped at the server's cap: ``total`` records match at least."""


def page_of(
    connection: dict[str, Any],
    base_url: str,
    fields: list[FieldInfo],
    custom: list[str],
) -> Page:
    """A ``Page`` from a connection selected by ``Compiler.connection``."""
    # The edges come typed or as one ``asJson`` value (Compiler.json_connection): same shape.
    edges = (connection.get("asJson") or connection).get("edges") or []
    info = connection.get("pageInfo") or {}
    return Page(
        records=[record(e["node"], base_url, fields, custom) for e in edges],
        cursors=[e.get("cursor") for e in edges],
        total=int(connection.get("totalCount") or 0),
        next_cursor=info.get("endCursor") if info.get("hasNextPage") else None,
        total_is_lower_bound=bool(connection.get("totalIsLowerBound")),
    )
