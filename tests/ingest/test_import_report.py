"""The import report: stdout, unwrapped, JSON for scripts, counts that add up, plain words,
dry runs, and values that differ only by case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner, Result

from accountlens.cli import app
from accountlens.db.engine import Database
from accountlens.db.models import CustomObjectInstance, Group, PropertyDefinition
from tests.ingest.importing import (
    ORG,
    Rows,
    messages,
    run_import,
    scalar,
    write_directory,
)

LONG = "a-" + "x" * 120  # long enough that an 80-column console would have wrapped the line


def bad_directory(tmp_path: Path) -> Path:
    rows: Rows = {
        "accounts.jsonl": [
            {"external_id": "a-good", "name": "Good Co"},
            '{"external_id": "a-cut", "name": "Cut',
            {"external_id": LONG, "name": "Many Co", "employees": "many"},
        ],
        "people.jsonl": [{"external_id": "p-1", "account": "a-good", "name": "Pia"}],
        "opportunites.jsonl": [{"external_id": "o-1"}],
    }
    return write_directory(tmp_path / "bad", rows)


def invoke(monkeypatch: pytest.MonkeyPatch, db: Database, *args: str) -> Result:
    monkeypatch.setenv(
        "ACCOUNTLENS_DATABASE_URL", db.engine.url.render_as_string(hide_password=False)
    )
    return CliRunner().invoke(app, ["import", *args, "--org", ORG, "--create-org", "Acme Inc"])


def test_the_report_goes_to_stdout_with_each_rejection_on_one_unwrapped_line(
    fresh_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # when
    result = invoke(monkeypatch, fresh_db, str(bad_directory(tmp_path)))

    # then
    assert result.exit_code == 1
    out: str = result.stdout
    line = next(line for line in out.splitlines() if "accounts.jsonl:3" in line)
    assert "employees: expected a whole number" in line
    assert "did you mean opportunities.jsonl?" in out
    assert "2 rows rejected" in out
    assert "1 file not imported" in out


def test_report_json_gives_counts_that_add_up_and_each_rejection_with_file_and_line(
    fresh_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # when
    result = invoke(monkeypatch, fresh_db, str(bad_directory(tmp_path)), "--report", "json")

    # then
    report = json.loads(result.stdout)
    assert report["files"]["accounts.jsonl"] == {
        "inserted": 1, "updated": 0, "unchanged": 0, "rejected": 2, "skipped": 0,
    }  # fmt: skip
    assert report["totals"]["rejected"] == len(report["rejected_rows"]) == 2
    assert [(r["file"], r["line"]) for r in report["rejected_rows"]] == [
        ("accounts.jsonl", 2),
        ("accounts.jsonl", 3),
    ]
    assert report["rejected_files"][0]["file"] == "opportunites.jsonl"
    assert report["rejected_files"][0]["line"] is None


async def test_messages_are_plain_words_and_a_cut_off_line_says_so(
    fresh_db: Database, tmp_path: Path
) -> None:
    rows: Rows = {
        "accounts.jsonl": [
            '{"external_id": "a-1", "name": "Line broken inside a value',
            '"}',
            {"external_id": "a-2", "name": "Two", "health_score": 120, "renewal_date": "soon"},
            '{"external_id": "a-3", "name": "Three",}',
        ]
    }

    report = await run_import(fresh_db.engine, write_directory(tmp_path / "d", rows))

    found = messages(report)
    assert "the line ends before its object is complete" in found["accounts.jsonl:1"]
    assert "control character" not in found["accounts.jsonl:1"]
    assert "health_score: must be at most 100" in found["accounts.jsonl:3"]
    assert "renewal_date: expected a date such as 2026-03-31" in found["accounts.jsonl:3"]
    assert "at column 40" in found["accounts.jsonl:4"]
    assert all("Input should" not in message for message in found.values())


async def test_a_dry_run_checks_every_file_and_writes_nothing(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given
    engine = fresh_db.engine
    directory = bad_directory(tmp_path)

    # when
    dry = await run_import(engine, directory, dry_run=True)

    # then: the same report a real run gives, people resolved against the new accounts …
    assert dry.dry_run
    assert dry.counts("accounts.jsonl").inserted == 1
    assert dry.counts("people.jsonl").inserted == 1
    assert set(messages(dry)) == {"accounts.jsonl:2", "accounts.jsonl:3", "opportunites.jsonl"}
    # … and nothing kept, not even the org
    assert await scalar(engine, text("SELECT count(*) FROM orgs")) == 0
    assert await scalar(engine, text("SELECT count(*) FROM accounts")) == 0
    real = await run_import(engine, directory)
    assert real.counts("people.jsonl").inserted == 1


async def test_segments_and_picklist_values_differing_only_by_case_or_spaces_are_one_value(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given
    engine = fresh_db.engine
    rows: Rows = {
        "accounts.jsonl": [{"external_id": "a-1", "name": "Globex"}],
        "groups.jsonl": [
            {"external_id": "g-1", "name": "At Risk", "kind": "segment",
             "member_type": "account", "members": ["a-1"]},
            {"external_id": "g-2", "name": " at risk ", "kind": "segment",
             "member_type": "account"},
        ],
        "custom_object_types.jsonl": [
            {"external_id": "t-1", "key": "contract", "label": "Contract",
             "fields": [{"key": "tier", "label": "Tier", "data_type": "enum",
                         "allowed_values": ["Gold", "gold", "GOLD ", "Silver"]}]},
        ],
        "custom_objects.jsonl": [
            {"external_id": "c-1", "type": "contract", "name": "MSA",
             "values": {"tier": " silver"}},
        ],
    }  # fmt: skip

    # when
    report = await run_import(engine, write_directory(tmp_path / "d", rows))

    # then
    assert "is also used on line 1" in messages(report)["groups.jsonl:2"]
    assert await scalar(engine, text("SELECT count(*) FROM groups")) == 1
    assert await scalar(engine, select(Group.name)) == "At Risk"
    allowed = await scalar(engine, select(PropertyDefinition.allowed_values))
    assert allowed == ["Gold", "Silver"]
    assert await scalar(engine, select(CustomObjectInstance.custom)) == {"tier": "Silver"}
