"""The JSON Lines importer, against a real PostgreSQL database per test."""

from __future__ import annotations

import copy
import io
import typing
import uuid
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import undefer
from typer.testing import CliRunner

from accountlens.auth.passwords import verify_password
from accountlens.cli import app
from accountlens.db.engine import Database
from accountlens.db.models import (
    PROPERTY_DATA_TYPES,
    Account,
    AccountTeamMember,
    AccountUsageDaily,
    Activity,
    ActivityParticipant,
    ChunkEmbedding,
    CustomObjectInstance,
    Document,
    DocumentChunk,
    DocumentParticipant,
    FeatureUsageDaily,
    Group,
    GroupMember,
    Opportunity,
    OpportunityStageChange,
    Org,
    Person,
    PersonUsageDaily,
    Project,
    ProjectMember,
    PropertyDefinition,
    Task,
    TaskComment,
    Team,
    TeamMember,
    Ticket,
    User,
    passage_hash,
)
from accountlens.ingest.importer import (
    IMPORT_FILES,
    ImportReport,
    RejectedRow,
    UnknownOrgError,
)
from accountlens.ingest.importer.chunking import article_passages, transcript_passages
from accountlens.ingest.importer.formats import DataType, SpeakerTurn
from tests.ingest.importing import (
    ORG,
    Rows,
    count,
    id_of,
    messages,
    run_import,
    scalar,
    write_directory,
)

PASSWORD = "correct-horse-battery"


def dataset() -> Rows:
    """A small workspace touching every file and every kind of reference."""
    return {
        "users.jsonl": [
            {"external_id": "u-ana", "email": "Ana@Example.com", "name": "Ana", "role": "admin",
             "password": PASSWORD},
            {"external_id": "u-ben", "email": "ben@example.com", "name": "Ben"},
        ],
        "teams.jsonl": [{"external_id": "t-east", "name": "East", "members": ["u-ben"]}],
        "accounts.jsonl": [
            {"external_id": "a-globex", "name": "Globex", "domain": "globex.test",
             "arr_amount": 120000, "arr_currency": "EUR", "health_score": 42,
             "health_trend": "down", "renewal_date": "2026-03-31", "owner": "ana@example.com",
             "team": "t-east", "account_team": [{"user": "u-ben", "role": "CSM"}],
             "custom": {"tier": "gold"}},
            {"external_id": "a-initech", "name": "Initech"},
        ],
        "people.jsonl": [
            {"external_id": "p-hank", "account": "a-globex", "name": "Hank Scorpio",
             "email": "hank@globex.test", "persona": "champion",
             "last_contacted_at": "2025-05-01T09:30:00"},
            {"external_id": "p-bill", "account": "a-initech", "name": "Bill Lumbergh"},
        ],
        "opportunities.jsonl": [
            {"external_id": "o-1", "account": "a-globex", "name": "Globex renewal",
             "type": "renewal", "stage": "Negotiation", "stage_category": "open",
             "amount": "55000.50", "close_date": "2026-03-01", "probability": 60,
             "owner": "u-ana"},
        ],
        "opportunity_stage_changes.jsonl": [
            {"external_id": "sc-1", "opportunity": "o-1", "from_stage": "Discovery",
             "to_stage": "Negotiation", "changed_at": "2025-04-01T10:00:00+02:00",
             "changed_by": "u-ana"},
        ],
        "tasks.jsonl": [
            {"external_id": "k-1", "title": "Prepare QBR", "status": "open", "priority": "high",
             "due_date": "2025-06-01", "account": "a-globex", "assignee": "u-ben",
             "creator": "u-ana"},
            {"external_id": "k-2", "title": "Tidy CRM", "status": "done"},
        ],
        "task_comments.jsonl": [
            {"external_id": "c-1", "task": "k-1", "author": "u-ana", "body": "Use the new deck",
             "posted_at": "2025-05-02T08:00:00Z"},
        ],
        "activities.jsonl": [
            {"external_id": "act-1", "kind": "call", "subject": "Renewal check-in",
             "occurred_at": "2025-05-03T15:00:00Z", "account": "a-globex", "user": "u-ben",
             "participants": ["p-hank"]},
        ],
        "projects.jsonl": [
            {"external_id": "pr-1", "name": "Globex onboarding", "kind": "onboarding",
             "status": "active", "account": "a-globex", "owner": "u-ben",
             "members": ["u-ana", "u-ben"]},
        ],
        "tickets.jsonl": [
            {"external_id": "tk-1", "account": "a-initech", "requester": "p-bill",
             "subject": "TPS report export fails", "status": "open", "priority": "urgent",
             "opened_at": "2025-05-04T12:00:00Z"},
        ],
        "custom_object_types.jsonl": [
            {"external_id": "cot-contract", "key": "contract", "label": "Contract",
             "fields": [
                 {"key": "value", "label": "Value", "data_type": "money"},
                 {"key": "status", "label": "Status", "data_type": "enum",
                  "allowed_values": ["draft", "signed"]},
             ]},
        ],
        "custom_objects.jsonl": [
            {"external_id": "co-1", "type": "contract", "name": "Globex MSA",
             "account": "a-globex", "values": {"value": 100000, "status": "signed"}},
        ],
        "groups.jsonl": [
            {"external_id": "g-risk", "name": "At Risk", "kind": "segment",
             "member_type": "account", "members": ["a-globex"]},
            {"external_id": "g-champs", "name": "Champions", "kind": "list",
             "member_type": "person", "members": ["p-hank"]},
        ],
        "property_definitions.jsonl": [
            {"external_id": "pd-tier", "object_type": "account", "key": "tier", "label": "Tier",
             "data_type": "enum", "allowed_values": ["gold", "silver"]},
        ],
        "usage.jsonl": [
            {"account": "a-globex", "day": "2025-05-01", "events": 120, "minutes": 300,
             "active_users": 12, "licensed_seats": 50, "active_seats": 12},
            {"account": "a-globex", "person": "p-hank", "day": "2025-05-01", "events": 30,
             "minutes": 45},
            {"account": "a-globex", "feature": "reports", "day": "2025-05-01", "events": 40,
             "minutes": 60, "active_users": 5},
        ],
        "documents.jsonl": [
            {"external_id": "d-call", "kind": "transcript", "title": "Globex renewal call",
             "account": "a-globex", "occurred_at": "2025-05-03T15:00:00Z",
             "duration_seconds": 1800,
             "participants": [{"user": "u-ben"}, {"person": "p-hank"}],
             "turns": [
                 {"speaker": "Ben", "start_seconds": 0, "text": "Thanks for joining today."},
                 {"speaker": "Hank", "start_seconds": 4, "text": "Happy to. Budget is tight."},
                 {"speaker": "Ben", "start_seconds": 9, "text": "Understood, let's look at it."},
                 {"speaker": "Hank", "start_seconds": 15,
                  "text": "Our finance team cut spending on tooling this year."},
             ]},
            {"external_id": "d-kb", "kind": "kb_article", "title": "Exporting reports",
             "occurred_at": "2025-01-10T00:00:00Z",
             "body": "Reports can be exported as CSV from the Reports page. " * 5
             + "\n\nLarge exports are emailed to you when they are ready. " * 4},
        ],
    }  # fmt: skip


ALL_TABLES = [
    User, Team, TeamMember, Account, AccountTeamMember, Person, Opportunity,
    OpportunityStageChange, Task, TaskComment, Activity, ActivityParticipant, Project,
    ProjectMember, Ticket, CustomObjectInstance, Group, GroupMember, PropertyDefinition,
    AccountUsageDaily, PersonUsageDaily, FeatureUsageDaily, Document, DocumentParticipant,
    ChunkEmbedding, DocumentChunk,
]  # fmt: skip


async def snapshot(engine: AsyncEngine) -> dict[str, list[Any]]:
    """Every row of every imported table, as text, to compare two states of the database."""
    state: dict[str, list[Any]] = {}
    async with engine.connect() as conn:
        for model in ALL_TABLES:
            name = model.__tablename__
            rows = await conn.execute(text(f"SELECT t::text FROM {name} t ORDER BY 1"))
            state[name] = [row[0] for row in rows]
    return state


# ---------------------------------------------------------------------------------------------
# A complete directory
# ---------------------------------------------------------------------------------------------


async def test_a_complete_directory_imports_every_type_with_references_resolved(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given
    engine = fresh_db.engine
    directory = write_directory(tmp_path / "data", dataset())

    # when
    report = await run_import(engine, directory)

    # then
    assert report.rejected == []
    assert report.org_created
    for name, rows in dataset().items():
        assert report.counts(name).inserted == len(rows), name
    globex = await id_of(engine, Account, "a-globex")
    ana = await id_of(engine, User, "u-ana")
    ben = await id_of(engine, User, "u-ben")
    hank = await id_of(engine, Person, "p-hank")
    assert await scalar(engine, select(Person.account_id).where(Person.id == hank)) == globex
    task = await _one(engine, select(Task).where(Task.external_id == "k-1"))
    assert (task.assignee_id, task.creator_id, task.account_id) == (ben, ana, globex)
    account = await _one(engine, select(Account).where(Account.id == globex))
    assert account.owner_id == ana  # referenced by email, case-insensitively
    assert (str(account.arr_amount), account.arr_currency) == ("120000.00", "EUR")
    assert account.custom == {"tier": "gold"}
    assert await scalar(engine, select(AccountTeamMember.role)) == "CSM"
    change = await _one(engine, select(OpportunityStageChange))
    assert change.account_id == globex
    assert change.changed_at.isoformat() == "2025-04-01T08:00:00+00:00"
    person = await _one(engine, select(Person).where(Person.id == hank))
    assert person.last_contacted_at.isoformat() == "2025-05-01T09:30:00+00:00"  # naive is UTC
    assert await count(engine, ProjectMember) == 2
    assert (
        await scalar(
            engine, select(GroupMember.person_id).where(GroupMember.person_id.is_not(None))
        )
        == hank
    )
    fields = await _all(engine, select(PropertyDefinition.object_type, PropertyDefinition.key))
    assert set(fields) == {
        ("custom:contract", "value"),
        ("custom:contract", "status"),
        ("account", "tier"),
    }
    assert await scalar(engine, select(PersonUsageDaily.account_id)) == globex
    chunk_accounts = await _all(
        engine, select(DocumentChunk.account_id).where(DocumentChunk.kind == "transcript")
    )
    assert chunk_accounts
    assert all(row[0] == globex for row in chunk_accounts)
    assert await count(engine, DocumentParticipant) == 2
    org = await _one(engine, select(Org).where(Org.slug == ORG))
    assert (org.name, org.account_visibility) == ("Acme Inc", "restricted")


async def test_users_get_a_password_hash_only_when_the_file_gives_a_password(
    fresh_db: Database, tmp_path: Path
) -> None:
    engine = fresh_db.engine
    await run_import(engine, write_directory(tmp_path / "data", dataset()))

    # the hash is deferred (the app role may not read it); the owner asks for it
    with_hash = select(User).options(undefer(User.password_hash))
    ana = await _one(engine, with_hash.where(User.external_id == "u-ana"))
    ben = await _one(engine, with_hash.where(User.external_id == "u-ben"))
    assert ana.email == "ana@example.com"
    assert ana.password_hash is not None
    assert verify_password(ana.password_hash, PASSWORD)
    assert ben.password_hash is None


async def test_transcript_passages_are_embedded_with_the_local_model(
    fresh_db: Database, tmp_path: Path
) -> None:
    engine = fresh_db.engine
    report = await run_import(engine, write_directory(tmp_path / "data", dataset()), embed=True)

    chunks = await _all(
        engine,
        select(DocumentChunk.speaker, DocumentChunk.start_seconds, ChunkEmbedding.embedding).join(
            ChunkEmbedding,
            (ChunkEmbedding.org_id == DocumentChunk.org_id)
            & (ChunkEmbedding.text_hash == DocumentChunk.text_hash),
            isouter=True,
        ),
    )
    assert chunks
    assert report.passages_embedded == len(set(await _texts(engine)))
    assert all(row.embedding is not None and len(row.embedding) == 384 for row in chunks)
    assert ("Ben", 0) in {(row.speaker, row.start_seconds) for row in chunks}


async def test_a_passage_repeated_across_documents_is_embedded_and_stored_once(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given the KB article published a second time under another title
    engine = fresh_db.engine
    rows = dataset()
    article = rows["documents.jsonl"][1]
    rows["documents.jsonl"].append(
        {**article, "external_id": "d-kb2", "title": "Exporting reports (copy)"}
    )
    shared = [passage.text for passage in article_passages(article["body"])]

    # when
    report = await run_import(engine, write_directory(tmp_path / "data", rows), embed=True)

    # then each distinct text was embedded and stored once, and both copies point at it
    texts = await _texts(engine)
    assert all(texts.count(passage) == 2 for passage in shared)
    assert report.passages_embedded == len(set(texts)) == len(texts) - len(shared)
    assert await count(engine, ChunkEmbedding) == len(set(texts))
    keys = await _all(
        engine, select(DocumentChunk.text_hash).where(DocumentChunk.text == shared[0])
    )
    assert [key for (key,) in keys] == [passage_hash(shared[0])] * 2


# ---------------------------------------------------------------------------------------------
# Upserts and idempotence
# ---------------------------------------------------------------------------------------------


async def test_changing_a_field_updates_that_row_and_leaves_the_others_untouched(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given
    engine = fresh_db.engine
    rows = dataset()
    await run_import(engine, write_directory(tmp_path / "v1", rows))
    before = dict(await _all(engine, select(Account.external_id, Account.updated_at)))

    # when
    changed = copy.deepcopy(rows)
    changed["accounts.jsonl"][1]["name"] = "Initech Corporation"
    changed["usage.jsonl"][2]["events"] = 41
    report = await run_import(engine, write_directory(tmp_path / "v2", changed))

    # then
    counts = report.counts("accounts.jsonl")
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 1, 1)
    usage = report.counts("usage.jsonl")
    assert (usage.inserted, usage.updated, usage.unchanged) == (0, 1, 2)
    assert await scalar(engine, select(FeatureUsageDaily.events)) == 41
    after = dict(await _all(engine, select(Account.external_id, Account.updated_at)))
    assert after["a-globex"] == before["a-globex"]
    assert after["a-initech"] > before["a-initech"]
    name = await scalar(engine, select(Account.name).where(Account.external_id == "a-initech"))
    assert name == "Initech Corporation"
    assert await count(engine, Account) == 2


async def test_re_running_the_same_directory_changes_nothing(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given
    engine = fresh_db.engine
    directory = write_directory(tmp_path / "data", dataset())
    first = await run_import(engine, directory, embed=True)
    before = await snapshot(engine)

    # when
    second = await run_import(engine, directory, embed=True)

    # then
    assert second.rejected == []
    assert not second.org_created
    assert second.passages_embedded == 0 < first.passages_embedded
    for name, rows in dataset().items():
        counts = second.counts(name)
        assert (counts.inserted, counts.updated, counts.unchanged) == (0, 0, len(rows)), name
    assert await snapshot(engine) == before  # same rows, same updated_at, same chunk IDs


async def test_a_changed_child_collection_counts_its_parent_as_updated(
    fresh_db: Database, tmp_path: Path
) -> None:
    engine = fresh_db.engine
    rows = dataset()
    await run_import(engine, write_directory(tmp_path / "v1", rows))
    member_ids = await _all(engine, select(GroupMember.id))

    rows["groups.jsonl"][0]["members"] = ["a-globex", "a-initech"]
    rows["accounts.jsonl"][0]["account_team"] = [{"user": "u-ben", "role": "AE"}]
    report = await run_import(engine, write_directory(tmp_path / "v2", rows))

    assert (report.counts("groups.jsonl").updated, report.counts("groups.jsonl").unchanged) == (
        1,
        1,
    )
    assert report.counts("accounts.jsonl").updated == 1
    assert await scalar(engine, select(AccountTeamMember.role)) == "AE"
    after = await _all(engine, select(GroupMember.id))
    assert set(member_ids) < set(after)  # existing memberships were kept, one was added


async def test_editing_one_turn_re_embeds_only_the_passage_it_is_in(
    fresh_db: Database, tmp_path: Path
) -> None:
    engine = fresh_db.engine
    rows = dataset()
    await run_import(engine, write_directory(tmp_path / "v1", rows), embed=True)

    rows["documents.jsonl"][0]["turns"][3]["text"] = "Finance cut our tooling budget in half."
    report = await run_import(engine, write_directory(tmp_path / "v2", rows), embed=True)

    assert report.counts("documents.jsonl").updated == 1
    assert report.passages_embedded == 1
    texts = await _texts(engine)
    assert any("tooling budget in half" in value for value in texts)
    assert not any("cut spending" in value for value in texts)
    # and the replaced passage's vector is gone: one stored vector per text still in use
    assert await count(engine, ChunkEmbedding) == len(set(texts))


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


async def test_bad_rows_are_reported_with_file_and_line_and_good_rows_land(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given
    engine = fresh_db.engine
    rows: Rows = {
        "accounts.jsonl": [
            {"external_id": "a-good", "name": "Good Co"},
            '{"external_id": "a-broken", "name": ',
            {"external_id": "a-typo", "nmae": "Typo Co"},
            {"external_id": "a-enum", "name": "Enum Co", "health_trend": "sideways"},
            {"external_id": "a-type", "name": "Type Co", "employees": "many"},
            {"external_id": "a-good", "name": "Good Co again"},
        ],
        "people.jsonl": [
            {"external_id": "p-good", "account": "a-good", "name": "Gina"},
            {"external_id": "p-lost", "account": "a-nowhere", "name": "Lou"},
        ],
    }

    # when
    report = await run_import(engine, write_directory(tmp_path / "data", rows))

    # then
    found = messages(report)
    assert found["accounts.jsonl:2"].startswith("invalid JSON")
    assert "unknown field 'nmae'; did you mean 'name'?" in found["accounts.jsonl:3"]
    assert "missing required field 'name'" in found["accounts.jsonl:3"]
    assert "health_trend" in found["accounts.jsonl:4"]
    assert "'up', 'flat' or 'down'" in found["accounts.jsonl:4"]
    assert "employees" in found["accounts.jsonl:5"]
    assert "duplicate external_id 'a-good'" in found["accounts.jsonl:6"]
    assert "no account with external_id or name 'a-nowhere'" in found["people.jsonl:2"]
    assert report.counts("accounts.jsonl").inserted == 1
    assert report.counts("accounts.jsonl").rejected == 5
    assert report.counts("people.jsonl").inserted == 1
    assert await count(engine, Account) == 1
    assert await count(engine, Person) == 1


async def test_a_reference_to_a_rejected_row_is_rejected_too(
    fresh_db: Database, tmp_path: Path
) -> None:
    engine = fresh_db.engine
    rows: Rows = {
        "users.jsonl": [{"external_id": "u-x", "email": "not-an-email", "name": "X"}],
        "accounts.jsonl": [
            {"external_id": "a-bad", "name": "Bad", "health_score": 140},
            {"external_id": "a-owned", "name": "Owned", "owner": "u-x"},
        ],
        "people.jsonl": [{"external_id": "p-1", "account": "a-bad", "name": "Pat"}],
    }

    report = await run_import(engine, write_directory(tmp_path / "data", rows))

    found = messages(report)
    assert found["people.jsonl:1"] == "account: account 'a-bad' was rejected (accounts.jsonl:1)"
    assert found["accounts.jsonl:2"] == "owner: user 'u-x' was rejected (users.jsonl:1)"
    assert await count(engine, Person) == 0


async def test_a_rejected_update_also_rejects_references_to_the_stored_row(
    fresh_db: Database, tmp_path: Path
) -> None:
    engine = fresh_db.engine
    rows = dataset()
    await run_import(engine, write_directory(tmp_path / "v1", rows))

    rows["accounts.jsonl"][1]["health_trend"] = "sideways"
    report = await run_import(engine, write_directory(tmp_path / "v2", rows))

    assert "was rejected (accounts.jsonl:2)" in messages(report)["people.jsonl:2"]


async def test_custom_object_values_are_checked_against_the_fields_of_their_type(
    fresh_db: Database, tmp_path: Path
) -> None:
    rows = dataset()
    rows["custom_objects.jsonl"] += [
        {"external_id": "co-typo", "type": "cot-contract", "name": "Typo",
         "values": {"statuss": "signed"}},
        {"external_id": "co-enum", "type": "contract", "name": "Enum",
         "values": {"status": "lost", "value": {"amount": 5, "currency": "EUR"}}},
    ]  # fmt: skip

    report = await run_import(fresh_db.engine, write_directory(tmp_path / "data", rows))

    found = messages(report)
    assert (
        "values.statuss: not a field of this type; did you mean 'status'?"
        in found["custom_objects.jsonl:2"]
    )
    assert found["custom_objects.jsonl:3"] == (
        "values.status: expected one of 'draft', 'signed', got 'lost'"
    )
    assert report.counts("custom_objects.jsonl").inserted == 1


async def test_a_stored_user_without_external_id_is_adopted_by_email_and_a_taken_email_rejected(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given: an org with a user created by hand (no external_id)
    engine = fresh_db.engine
    await run_import(engine, write_directory(tmp_path / "v0", {"teams.jsonl": []}))
    org_id = await scalar(engine, select(Org.id))
    async with engine.begin() as conn:
        await conn.execute(
            insert(User).values(
                org_id=org_id, id=uuid.uuid4(), email="Ana@Example.com", name="Ana", custom={}
            )
        )

    # when
    rows: Rows = {
        "users.jsonl": [
            {"external_id": "u-ana", "email": "ana@example.com", "name": "Ana Lima"},
            {"external_id": "u-other", "email": "ANA@example.com", "name": "Impostor"},
        ]
    }
    report = await run_import(engine, write_directory(tmp_path / "v1", rows))

    # then
    counts = report.counts("users.jsonl")
    assert (counts.inserted, counts.updated, counts.rejected) == (0, 1, 1)
    assert "email 'ana@example.com' is also used on line 1" in messages(report)["users.jsonl:2"]
    users = await _all(engine, select(User.external_id, User.email, User.name))
    assert users == [("u-ana", "ana@example.com", "Ana Lima")]


async def test_unknown_files_are_reported_with_the_closest_known_name(
    fresh_db: Database, tmp_path: Path
) -> None:
    directory = write_directory(tmp_path / "data", {"acounts.jsonl": [{"external_id": "a"}]})
    (directory / "README.txt").write_text("not data", encoding="utf-8")

    report = await run_import(fresh_db.engine, directory)

    assert report.rejected == [
        RejectedRow("acounts.jsonl", 0, "unknown file, not imported; did you mean accounts.jsonl?")
    ]


async def test_importing_into_a_missing_org_without_a_name_to_create_it_fails(
    fresh_db: Database, tmp_path: Path
) -> None:
    directory = write_directory(tmp_path / "data", dataset())

    with pytest.raises(UnknownOrgError):
        await run_import(fresh_db.engine, directory, create=False)

    assert await count(fresh_db.engine, Org) == 0


async def test_passwords_never_appear_in_messages_or_the_printed_report(
    fresh_db: Database, tmp_path: Path
) -> None:
    rows: Rows = {
        "users.jsonl": [
            {"external_id": "u-1", "email": "a@example.com", "name": "A", "password": "short"},
            {"external_id": "u-2", "email": "b@example.com", "name": "B", "password": PASSWORD,
             "role": "owner"},
        ]
    }  # fmt: skip
    report = await run_import(fresh_db.engine, write_directory(tmp_path / "data", rows))

    output = io.StringIO()
    report.print(Console(file=output, width=200))
    assert len(report.rejected) == 2
    assert "short" not in output.getvalue().replace("too short", "")
    assert PASSWORD not in output.getvalue()
    assert "password" in messages(report)["users.jsonl:1"]


def test_the_printed_report_lists_fifty_rejected_rows_then_how_many_more() -> None:
    report = ImportReport(org_slug=ORG)
    report.rejected = [RejectedRow("people.jsonl", line, "bad") for line in range(1, 61)]

    output = io.StringIO()
    report.print(Console(file=output, width=200))

    assert "people.jsonl:50" in output.getvalue()
    assert "people.jsonl:51" not in output.getvalue()
    assert "and 10 more" in output.getvalue()


# ---------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------


def test_the_import_command_exits_1_when_a_row_is_rejected_and_0_otherwise(
    fresh_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = fresh_db.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("ACCOUNTLENS_DATABASE_URL", url)
    runner = CliRunner()
    good = write_directory(
        tmp_path / "good", {"accounts.jsonl": [{"external_id": "a", "name": "A"}]}
    )
    bad = write_directory(tmp_path / "bad", {"accounts.jsonl": [{"external_id": "b"}]})

    ok = runner.invoke(app, ["import", str(good), "--org", ORG, "--create-org", "Acme Inc"])
    failed = runner.invoke(app, ["import", str(bad), "--org", ORG])

    assert ok.exit_code == 0, ok.output
    assert failed.exit_code == 1, failed.output
    assert "accounts.jsonl:1" in failed.output


def test_the_import_command_exits_2_with_a_message_when_the_org_is_missing(
    fresh_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "ACCOUNTLENS_DATABASE_URL", fresh_db.engine.url.render_as_string(hide_password=False)
    )
    data = write_directory(tmp_path / "d", {"accounts.jsonl": [{"external_id": "a", "name": "A"}]})

    result = CliRunner().invoke(app, ["import", str(data), "--org", "nope"])

    assert result.exit_code == 2
    assert "--create-org" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------------------------------
# Passages and the format
# ---------------------------------------------------------------------------------------------


def test_transcripts_split_into_passages_of_one_to_three_turns() -> None:
    turns = [
        SpeakerTurn(speaker=f"S{i % 2}", start_seconds=i * 10, text="Short.") for i in range(7)
    ]

    passages = transcript_passages(turns)

    assert [p.start_seconds for p in passages] == [0, 30, 60]
    assert [p.speaker for p in passages] == ["S0", "S1", "S0"]
    assert passages[0].text == "S0: Short.\nS1: Short.\nS0: Short."
    assert passages[2].text == "Short."


def test_a_long_turn_is_split_but_keeps_its_speaker_and_time() -> None:
    long_turn = SpeakerTurn(speaker="Ann", start_seconds=5, text="A sentence here. " * 200)

    passages = transcript_passages([long_turn])

    assert len(passages) > 1
    assert all(p.speaker == "Ann" and p.start_seconds == 5 for p in passages)
    assert all(len(p.text) <= 1500 for p in passages)


def test_articles_split_by_paragraph_joining_headings_to_what_follows() -> None:
    body = "# Exports\n\n" + "Exports are CSV files. " * 20 + "\n\n" + "Big ones are emailed. " * 20

    passages = article_passages(body)

    assert len(passages) == 2
    assert passages[0].text.startswith("# Exports\n\nExports are CSV")


def test_the_field_types_of_the_format_match_the_database() -> None:
    assert set(typing.get_args(DataType)) == set(PROPERTY_DATA_TYPES)


def test_every_file_of_the_format_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "import-format.md").read_text()
    for name in IMPORT_FILES:
        assert f"`{name}`" in doc, name


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


async def _one(engine: AsyncEngine, statement: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(statement)).one()


async def _all(engine: AsyncEngine, statement: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(statement)).all())


async def _texts(engine: AsyncEngine) -> list[str]:
    return [row[0] for row in await _all(engine, select(DocumentChunk.text))]
