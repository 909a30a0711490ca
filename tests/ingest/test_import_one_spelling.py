"""Values that differ only by case or surrounding spaces are one value (issue 15, item 8)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from accountlens.db.engine import Database
from accountlens.db.models import Account, Opportunity, OpportunityStageChange
from tests.ingest.importing import run_import, write_directory


def _account(external_id: str, industry: str, **custom: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "name": external_id.title(),
        "industry": industry,
        "custom": custom,
    }


def _deal(external_id: str, stage: str) -> dict[str, Any]:
    return {
        "external_id": external_id, "account": "acme", "name": external_id, "stage": stage,
        "stage_category": "open",
    }  # fmt: skip


async def test_stages_and_industries_spelt_differently_become_the_org_s_one_spelling(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given: one file spelling a stage two ways, then a later file spelling it a third way
    engine = fresh_db.engine
    first = write_directory(
        tmp_path / "first",
        {
            "accounts.jsonl": [_account("acme", "Logistics"), _account("globex", "logistics ")],
            "opportunities.jsonl": [_deal("o-1", "Negotiation"), _deal("o-2", "negotiation")],
            "opportunity_stage_changes.jsonl": [
                {"external_id": "c-1", "opportunity": "o-1", "to_stage": "NEGOTIATION",
                 "changed_at": "2025-01-02T10:00:00Z"},
            ],
        },
    )  # fmt: skip
    later = write_directory(
        tmp_path / "later",
        {
            "accounts.jsonl": [_account("acme", "Logistics"), _account("initech", "LOGISTICS")],
            "opportunities.jsonl": [_deal("o-3", " NEGOTIATION ")],
        },
    )

    # when
    await run_import(engine, first)
    report = await run_import(engine, later)

    # then
    assert report.rejected == []
    assert await _distinct(engine, Opportunity.stage) == ["Negotiation"]
    assert await _distinct(engine, Account.industry) == ["Logistics"]
    assert await _distinct(engine, OpportunityStageChange.to_stage) == ["Negotiation"]


async def test_a_custom_field_with_allowed_values_keeps_their_spelling(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given: a custom picklist of accounts, then accounts spelling its choices otherwise
    engine = fresh_db.engine
    definition = {
        "external_id": "pd-tier", "object_type": "account", "key": "tier", "label": "Tier",
        "data_type": "enum", "allowed_values": ["Gold", "Silver"],
    }  # fmt: skip
    await run_import(
        engine, write_directory(tmp_path / "fields", {"property_definitions.jsonl": [definition]})
    )
    accounts = [
        _account("acme", "Retail", tier="gold "),
        _account("globex", "Retail", tier="SILVER"),
    ]

    # when
    await run_import(engine, write_directory(tmp_path / "accounts", {"accounts.jsonl": accounts}))

    # then
    assert await _distinct(engine, Account.custom["tier"].astext) == ["Gold", "Silver"]


async def _distinct(engine: Any, column: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(select(column).distinct().order_by(column))).scalars())
