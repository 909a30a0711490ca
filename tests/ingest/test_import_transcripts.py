"""``--source transcripts``: Zoom and Teams WebVTT, SRT and our JSON form, linked by e-mail."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from accountlens.db.engine import Database
from accountlens.db.models import (
    Account,
    DataSource,
    Document,
    DocumentChunk,
    DocumentParticipant,
    Person,
)
from accountlens.db.models import User as UserModel
from accountlens.ingest.embeddings import get_local_embedder
from accountlens.resolvers.semantic import SearchTuning
from tests.ingest.importing import admin_of, count, messages, run_import, write_directory
from tests.schema.helpers import data_of

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"
ZOOM = "GMT20250312-150000_Recording.transcript"


def crm() -> dict[str, list[Any]]:
    """The users, accounts and contacts the meetings' e-mails and domains point at."""
    return {
        "users.jsonl": [
            {"external_id": "u-ana", "email": "Ana@Example.com", "name": "Ana Lima",
             "role": "admin"},
            {"external_id": "u-ben", "email": "ben@example.com", "name": "Ben Carter"},
        ],
        "accounts.jsonl": [
            {"external_id": "a-northwind", "name": "Northwind", "domain": "northwind.test"},
            {"external_id": "a-brightwater", "name": "Brightwater",
             "domain": "https://brightwater.test/"},
            {"external_id": "a-globex", "name": "Globex", "domain": "globex.test"},
        ],
        "people.jsonl": [
            {"external_id": "p-dana", "account": "a-northwind", "name": "Dana Reyes",
             "email": "dana@northwind.test"},
            {"external_id": "p-sam", "account": "a-northwind", "name": "Sam Okafor",
             "email": "Sam.Okafor@northwind.test"},
            {"external_id": "p-lena", "account": "a-brightwater", "name": "Lena Fischer",
             "email": "lena@brightwater.test"},
            {"external_id": "p-hank", "account": "a-globex", "name": "Hank Moss",
             "email": "hank@globex.test"},
        ],
    }  # fmt: skip


async def with_crm(engine: AsyncEngine, tmp_path: Path) -> None:
    report = await run_import(engine, write_directory(tmp_path / "crm", crm()))
    assert not report.failed


def folder(tmp_path: Path, *names: str) -> Path:
    """A folder with the named fixture files (every one when none are named)."""
    target = tmp_path / "meetings"
    target.mkdir()
    for path in FIXTURES.iterdir():
        if not names or path.name in names:
            shutil.copy(path, target / path.name)
    return target


async def stored(engine: AsyncEngine, external_id: str) -> dict[str, Any]:
    """The transcript's title, time, account, participants, body lines and passages."""
    async with engine.connect() as conn:
        document = (
            await conn.execute(
                select(
                    Document.id,
                    Document.kind,
                    Document.title,
                    Document.occurred_at,
                    Document.body,
                    Account.external_id.label("account"),
                )
                .join(Account, Account.id == Document.account_id, isouter=True)
                .where(Document.external_id == external_id)
            )
        ).one()
        users = select(UserModel.external_id).join(
            DocumentParticipant, DocumentParticipant.user_id == UserModel.id
        )
        people = select(Person.external_id).join(
            DocumentParticipant, DocumentParticipant.person_id == Person.id
        )
        who = await conn.scalars(
            users.where(DocumentParticipant.document_id == document.id).union_all(
                people.where(DocumentParticipant.document_id == document.id)
            )
        )
        passages = await conn.execute(
            select(DocumentChunk.speaker, DocumentChunk.start_seconds)
            .where(DocumentChunk.document_id == document.id)
            .order_by(DocumentChunk.ordinal)
        )
        return {
            "kind": document.kind,
            "title": document.title,
            "occurred_at": document.occurred_at,
            "account": document.account,
            "participants": set(who),
            "lines": document.body.splitlines(),
            "passages": [tuple(row) for row in passages],
        }


@pytest.mark.parametrize(
    ("files", "external_id", "expected"),
    [
        pytest.param(
            (f"{ZOOM}.vtt", f"{ZOOM}.json"),
            f"{ZOOM}.vtt",
            {
                "title": "Northwind renewal sync",
                # Zoom names the file after the meeting's start in UTC
                "occurred_at": datetime(2025, 3, 12, 15, 0, tzinfo=UTC),
                "account": "a-northwind",  # the account of the contacts in the meeting
                "participants": {"u-ana", "p-dana", "p-sam"},
                "lines": [
                    "[00:02] Dana Reyes: Thanks for making time, everyone. Quick agenda today. "
                    "First the renewal quote, then the rollout to the Lisbon office.",
                    "[00:12] Ana Lima: Happy to start with the quote. We kept the per-seat price "
                    "flat for next year.",
                    "[01:05] Sam Okafor: Our finance team asked whether the data residency add-on "
                    "is included.",
                    "[01:12] Ana Lima: It is, for the EU region. I will send the order form this "
                    "afternoon.",
                ],
            },
            id="zoom-vtt",
        ),
        pytest.param(
            ("brightwater-onboarding.vtt", "brightwater-onboarding.json"),
            "teams-brightwater-onboarding-2025-04-02",
            {
                "title": "brightwater-onboarding",
                "occurred_at": datetime(2025, 4, 2, 7, 30, tzinfo=UTC),
                "account": "a-brightwater",  # by its domain, however the account spells it
                "participants": {"u-ben", "p-lena"},
                "lines": [
                    "[00:04] Lena Fischer: Good morning. The warehouse team finished the scanner "
                    "setup. We still see duplicate shipments in the weekly report.",
                    "[03:41] Ben Carter: That comes from the old import job. Let me switch it "
                    "off & re-run the report.",
                ],
            },
            id="teams-vtt",
        ),
        pytest.param(
            ("support-escalation.srt", "support-escalation.json"),
            "support-escalation.srt",
            {
                "title": "Globex export escalation",
                "occurred_at": datetime(2025, 5, 6, 16, 0, tzinfo=UTC),
                "account": "a-globex",  # by external ID
                "participants": {"u-ben", "p-hank"},
                "lines": [
                    "[00:01] Ben Carter: I read the ticket about the failing nightly export.",
                    "[00:06] Hank Moss: Yes, it stops at the invoices table since the upgrade "
                    "last Tuesday.",
                    "[02:30] Ben Carter: We found a timeout there and shipped a fix this morning.",
                ],
            },
            id="srt",
        ),
        pytest.param(
            ("quarterly-review.json",),
            "qbr-northwind-2025-q2",
            {
                "title": "Northwind quarterly business review",
                "occurred_at": datetime(2025, 6, 18, 14, 0, tzinfo=UTC),
                # Priya is no contact of ours, but her e-mail's domain is Northwind's
                "account": "a-northwind",
                "participants": {"u-ana"},
                "lines": [
                    "[00:00] Ana Lima: Welcome to the quarterly review.",
                    "[01:35] Priya Shah: Adoption in the Lisbon office doubled since the rollout.",
                    "[05:12] Ana Lima: Then let us plan the expansion to the Porto team next "
                    "quarter.",
                ],
            },
            id="json",
        ),
    ],
)
async def test_each_transcript_format_becomes_a_document_of_speaker_turns_linked_by_email(
    fresh_db: Database,
    tmp_path: Path,
    files: tuple[str, ...],
    external_id: str,
    expected: dict[str, Any],
) -> None:
    # given the CRM the meeting's people are in
    engine = fresh_db.engine
    await with_crm(engine, tmp_path)

    # when the recorder's file (and its sidecar) is imported
    report = await run_import(engine, folder(tmp_path, *files), source="transcripts")

    # then it is one transcript, its cues joined into turns, linked to its account and people
    assert not report.failed, report.rejected
    assert report.source == "transcripts"
    assert report.counts("transcripts").inserted == 1
    assert await count(engine, Document) == 1
    document = await stored(engine, external_id)
    assert document["kind"] == "transcript"
    assert {key: document[key] for key in expected} == expected
    # passages start at a turn: its speaker and second are what search results link to
    starts = {(line.split("] ")[1].split(":")[0], _seconds(line)) for line in document["lines"]}
    assert document["passages"]
    assert set(document["passages"]) <= starts


def _seconds(line: str) -> int:
    minutes, seconds = line[1:6].split(":")
    return int(minutes) * 60 + int(seconds)


async def test_a_malformed_transcript_is_rejected_with_its_file_and_line_and_the_good_ones_land(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given a folder with four good transcripts, a VTT with a broken timing line and a JSON
    # file with a missing comma (plus sidecars, which are no transcripts of their own)
    engine = fresh_db.engine
    await with_crm(engine, tmp_path)

    # when
    report = await run_import(engine, folder(tmp_path), source="transcripts")

    # then the good ones land; each bad one is named with the line at fault; counts add up
    counts = report.counts("transcripts")
    assert (counts.inserted, counts.rejected, counts.total) == (4, 2, 6)
    problems = messages(report)
    assert set(problems) == {"broken-timing.vtt:8", "broken.json:6"}
    assert "00:00:04.000 -> 00:00:07.000" in problems["broken-timing.vtt:8"]
    assert "not valid JSON" in problems["broken.json:6"]
    assert report.failed
    assert await count(engine, Document) == 4


async def test_re_importing_a_folder_of_transcripts_changes_nothing(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given an imported folder
    engine = fresh_db.engine
    await with_crm(engine, tmp_path)
    meetings = folder(tmp_path)
    await run_import(engine, meetings, source="transcripts")
    async with engine.connect() as conn:
        before = set(await conn.scalars(select(DocumentChunk.id)))

    # when it is imported again
    again = await run_import(engine, meetings, source="transcripts")

    # then every transcript is unchanged, and no passage was rebuilt
    counts = again.counts("transcripts")
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 0, 4)
    assert await count(engine, Document) == 4
    async with engine.connect() as conn:
        assert set(await conn.scalars(select(DocumentChunk.id))) == before
        # and the source's last import time is recorded, for freshness in answers
        sources = set(await conn.scalars(select(DataSource.source)))
    assert sources == {"jsonl", "transcripts"}


async def test_a_transcript_with_an_unknown_account_domain_or_no_meeting_time_is_refused(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given a Teams file whose sidecar names a domain no account has, and an SRT file with
    # neither a sidecar nor Zoom's dated file name
    engine = fresh_db.engine
    await with_crm(engine, tmp_path)
    meetings = folder(tmp_path, "brightwater-onboarding.vtt", "brightwater-onboarding.json")
    sidecar = meetings / "brightwater-onboarding.json"
    sidecar.write_text(sidecar.read_text().replace("brightwater.test", "nobody.test"))
    shutil.copy(FIXTURES / "support-escalation.srt", meetings / "undated.srt")

    # when
    report = await run_import(engine, meetings, source="transcripts")

    # then
    problems = messages(report)
    assert "no account has the domain 'nobody.test'" in problems["brightwater-onboarding.vtt:1"]
    assert "no meeting time" in problems["undated.srt:1"]
    assert await count(engine, Document) == 0


SEARCH = """query($q: String!) {
  semanticSearch(query: $q, first: 3, mode: VECTOR) {
    passages { text speaker startSeconds timestamp documentTitle kind }
  }
}"""


async def test_semantic_search_finds_an_imported_transcript_passage_with_speaker_and_time(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given the folder imported with embeddings
    engine = fresh_db.engine
    await with_crm(engine, tmp_path)
    report = await run_import(engine, folder(tmp_path), source="transcripts", embed=True)
    assert report.passages_embedded > 0
    admin = await admin_of(engine, "u-ana")

    # when searching for what was promised about the order form
    context = {"embedder": get_local_embedder(), "tuning": SearchTuning()}
    data = await data_of(
        fresh_db, admin, SEARCH, context=context, q="when do we get the order form?"
    )

    # then the passage is Ana's answer at 1:12 of the Zoom meeting (a deep link's #t=72)
    top = data["semanticSearch"]["passages"][0]
    assert "send the order form this afternoon" in top["text"]
    assert (top["speaker"], top["startSeconds"], top["timestamp"]) == ("Ana Lima", 72, "1:12")
    assert (top["documentTitle"], top["kind"]) == ("Northwind renewal sync", "transcript")


async def test_pruning_transcripts_removes_vanished_meetings_but_no_articles(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given a KB article and an imported folder of transcripts
    engine = fresh_db.engine
    rows = crm()
    rows["documents.jsonl"] = [
        {"external_id": "kb-1", "kind": "kb_article", "title": "Resetting SSO",
         "occurred_at": "2025-01-01T00:00:00Z", "body": "Open the admin console first."},
    ]  # fmt: skip
    await run_import(engine, write_directory(tmp_path / "crm", rows))
    meetings = folder(tmp_path, "quarterly-review.json", "support-escalation.srt",
                      "support-escalation.json")  # fmt: skip
    await run_import(engine, meetings, source="transcripts")

    # when one meeting's file is gone from the next full export
    (meetings / "quarterly-review.json").unlink()
    report = await run_import(engine, meetings, source="transcripts", prune=True)

    # then only that transcript is removed
    assert report.pruned == {"transcripts": 1}
    async with engine.connect() as conn:
        left = set(await conn.scalars(select(Document.external_id)))
        total = await conn.scalar(select(func.count()).select_from(Document))
    assert left == {"kb-1", "support-escalation.srt"}
    assert total == 2


async def test_a_transcript_file_over_the_size_limit_is_refused_unread_and_the_others_land(
    fresh_db: Database, tmp_path: Path
) -> None:
    # given a folder of good transcripts and one caption file larger than the limit
    engine = fresh_db.engine
    await with_crm(engine, tmp_path)
    source = folder(tmp_path)
    for bad in ("broken-timing.vtt", "broken.json"):
        (source / bad).unlink()
    cue = "00:00:01.000 --> 00:00:02.000\nAda Diaz: so much to say\n\n"
    (source / "GMT20240312-150000_Huge.vtt").write_text("WEBVTT\n\n" + cue * 2_000)

    # when it is imported with a limit of 64 KiB per transcript file
    report = await run_import(engine, source, source="transcripts", max_transcript_bytes=65_536)

    # then that file is refused by name, with the limit's setting; the others land
    problems = messages(report)
    assert set(problems) == {"GMT20240312-150000_Huge.vtt:1"}
    assert "ACCOUNTLENS_IMPORT_MAX_TRANSCRIPT_BYTES" in problems["GMT20240312-150000_Huge.vtt:1"]
    assert await count(engine, Document) == 4
