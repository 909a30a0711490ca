"""The demo workspace: deterministic, complete, and able to answer the SPEC's example questions."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta

import numpy as np
import numpy.typing as npt
import pytest
import pytest_asyncio
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine

from accountlens.auth.passwords import verify_password
from accountlens.db.embedded import EmbeddedServer
from accountlens.db.engine import Database, create_engine
from accountlens.db.models import Base
from accountlens.ingest.demo import (
    DEMO_PASSWORDS,
    PRESETS,
    DemoExistsError,
    DemoSummary,
    build_demo,
)
from accountlens.ingest.demo.cast import ORGS, account_counts, build_cast
from accountlens.ingest.demo.generator import OrgGenerator
from accountlens.ingest.demo.meetings import ChunkBacklog
from accountlens.ingest.demo.pipeline import quarter_end
from accountlens.ingest.demo.transcripts import PassagePool, TextIndex
from accountlens.ingest.demo.writer import TABLE_ORDER, Batch
from accountlens.ingest.embeddings import Embedder, get_local_embedder

ANCHOR = date(2026, 11, 20)
SEED = 1234


class ReusingEmbedder:
    """The real local model, remembering vectors it already computed (builds repeat texts)."""

    def __init__(self, inner: Embedder) -> None:
        self._inner = inner
        self._known: dict[str, npt.NDArray[np.float32]] = {}

    @property
    def dimensions(self) -> int:
        return self._inner.dimensions

    @property
    def model_id(self) -> str:
        return self._inner.model_id

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._known]
        if missing:
            self._known.update(zip(missing, self._inner.embed(missing), strict=True))
        return np.stack([self._known[t] for t in texts]).astype(np.float32)


class BrokenEmbedder(ReusingEmbedder):
    """Fails the way an unreachable embedding service would."""

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        raise RuntimeError("embedding service unavailable")


@pytest.fixture(scope="module")
def embedder() -> ReusingEmbedder:
    return ReusingEmbedder(get_local_embedder())


@pytest_asyncio.fixture(loop_scope="session")
async def other_db(
    pg_server: EmbeddedServer, admin_engine: AsyncEngine, template_db: str
) -> AsyncIterator[Database]:
    """A second migrated, empty database, to compare two builds side by side."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    async with admin_engine.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"'))
    engine = create_engine(make_url(pg_server.url(name)), pool_size=2)
    yield Database(engine=engine, read_engine=engine)
    await engine.dispose()
    async with admin_engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def table_digests(engine: AsyncEngine) -> dict[str, str]:
    """An md5 of every row of every demo table, in primary-key order.

    Password hashes are argon2 with a random salt by design, so instead of comparing them
    byte for byte the digest records which demo password each one verifies.
    """
    digests: dict[str, str] = {}
    async with engine.connect() as conn:
        for name in TABLE_ORDER:
            table = Base.metadata.tables[name]
            order = ", ".join(column.name for column in table.primary_key.columns)
            columns = ", ".join(
                "NULL" if column.name == "password_hash" else column.name
                for column in table.columns
            )
            digests[name] = await conn.scalar(
                text(
                    f"SELECT md5(coalesce(string_agg(row({columns})::text, E'\\n' "
                    f"ORDER BY {order}), '')) FROM {name}"
                )
            )
        hashes = (await conn.execute(text("SELECT DISTINCT role, password_hash FROM users"))).all()
    verified = {(role, verify_password(hash_, DEMO_PASSWORDS[role])) for role, hash_ in hashes}
    digests["users.password_hash"] = repr(sorted(verified))
    return digests


async def test_same_seed_and_anchor_give_identical_databases_and_another_seed_does_not(
    fresh_db: Database, other_db: Database, embedder: ReusingEmbedder
) -> None:
    # given two empty databases, when both get the same seed and anchor
    await build_demo(fresh_db.engine, seed=SEED, embedder=embedder, anchor=ANCHOR)
    await build_demo(other_db.engine, seed=SEED, embedder=embedder, anchor=ANCHOR)
    first = await table_digests(fresh_db.engine)

    # then every table holds the same rows, primary keys included
    assert first == await table_digests(other_db.engine)
    assert first["users.password_hash"] == "[('admin', True), ('member', True)]"

    # and rebuilding over an existing demo (replace) gives the same rows again
    await build_demo(fresh_db.engine, seed=SEED, embedder=embedder, anchor=ANCHOR, replace=True)
    assert await table_digests(fresh_db.engine) == first

    # but another seed gives different data in every generated table
    await build_demo(other_db.engine, seed=SEED + 1, embedder=embedder, anchor=ANCHOR)
    second = await table_digests(other_db.engine)
    assert all(second[name] != first[name] for name in TABLE_ORDER)


def test_rows_do_not_depend_on_the_batch_size() -> None:
    # given the same org generated in batches of 200 accounts and in batches of 7
    def generate(batch_accounts: int) -> dict[str, list[tuple[object, ...]]]:
        preset = dataclasses.replace(PRESETS["small"], batch_accounts=batch_accounts)
        texts = TextIndex()
        pool = PassagePool.build(SEED, preset.wordings_per_exchange, texts)
        frame = Batch()
        ctx = build_cast(
            ORGS[0], seed=SEED, preset=preset, anchor=ANCHOR,
            account_count=account_counts(preset.accounts)[0],
            password_hashes={"admin": "a", "member": "m"}, out=frame,
        )  # fmt: skip
        generator = OrgGenerator(ctx, pool, ChunkBacklog())
        generator.frame(frame)
        rows: dict[str, list[tuple[object, ...]]] = {}
        for start, stop in generator.batches():
            for name, _, batch_rows in generator.accounts(start, stop).tables():
                rows.setdefault(name, []).extend(batch_rows)
        rows["document_chunks"] = generator.backlog.rows
        return rows

    # then the rows are the same
    assert generate(200) == generate(7)


async def test_every_entity_table_is_filled_and_both_visibility_modes_exist(
    demo_db: Database,
) -> None:
    async with demo_db.engine.connect() as conn:
        empty = [
            name
            for name in TABLE_ORDER
            if not await conn.scalar(text(f"SELECT EXISTS (SELECT 1 FROM {name})"))
        ]
        modes = set(await conn.scalars(text("SELECT account_visibility FROM orgs")))
        kinds = set(await conn.scalars(text("SELECT DISTINCT kind FROM documents")))
        custom_types = set(await conn.scalars(text("SELECT key FROM custom_object_types")))
        accountless = {
            name: await conn.scalar(text(f"SELECT count(*) FROM {name} WHERE account_id IS NULL"))
            for name in ("tasks", "projects", "custom_object_instances", "documents")
        }
        property_types = set(
            await conn.scalars(
                text("SELECT DISTINCT object_type FROM property_definitions WHERE NOT is_custom")
            )
        )
    assert empty == []
    assert modes == {"open", "restricted"}
    assert kinds == {"transcript", "kb_article"}
    assert {"renewal_risk", "integration"} <= custom_types
    assert all(accountless.values()), accountless
    assert property_types == {
        "account", "person", "opportunity", "task", "activity", "project", "ticket",
    }  # fmt: skip


async def test_the_four_example_questions_have_answers_in_the_restricted_org(
    demo_db: Database,
) -> None:
    # The session's demo is anchored on today (UTC), as `accountlens demo` builds it.
    today = datetime.now(UTC).date()
    params = {"slug": "northwind", "today": today, "quarter_end": quarter_end(today)}
    async with demo_db.engine.connect() as conn:
        org = "(SELECT id FROM orgs WHERE slug = :slug)"
        acme_recent = await conn.scalar(
            text(
                f"SELECT count(*) FROM activities ac JOIN accounts a "
                f"ON a.org_id = ac.org_id AND a.id = ac.account_id "
                f"WHERE a.org_id = {org} AND a.name = 'Acme Corp' "
                f"AND ac.occurred_at >= CAST(:today AS date) - 30"
            ),
            params,
        )
        big_open_deals = await conn.scalar(
            text(
                f"SELECT count(*) FROM opportunities WHERE org_id = {org} "
                "AND stage_category = 'open' AND amount > 50000 "
                "AND close_date BETWEEN :today AND :quarter_end"
            ),
            params,
        )
        globex_champions = await conn.scalar(
            text(
                f"SELECT count(*) FROM people p JOIN accounts a "
                f"ON a.org_id = p.org_id AND a.id = p.account_id "
                f"WHERE a.org_id = {org} AND a.name = 'Globex' AND p.persona = 'champion'"
            ),
            params,
        )
        at_risk_recent_tickets = await conn.scalar(
            text(
                f"SELECT count(DISTINCT t.account_id) FROM tickets t "
                f"JOIN group_members m ON m.org_id = t.org_id AND m.account_id = t.account_id "
                f"JOIN groups g ON g.org_id = m.org_id AND g.id = m.group_id "
                f"WHERE t.org_id = {org} AND g.name = 'At Risk' "
                f"AND t.opened_at >= CAST(:today AS date) - 30"
            ),
            params,
        )
        at_risk_accounts = await conn.scalar(
            text(
                f"SELECT count(*) FROM group_members m JOIN groups g "
                f"ON g.org_id = m.org_id AND g.id = m.group_id "
                f"WHERE m.org_id = {org} AND g.name = 'At Risk'"
            ),
            params,
        )
    assert acme_recent >= 5
    assert big_open_deals >= 3
    assert globex_champions >= 2
    assert at_risk_accounts >= 2
    assert at_risk_recent_tickets == at_risk_accounts


async def test_every_chunk_has_a_unit_length_384_dimension_embedding(demo_db: Database) -> None:
    async with demo_db.engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT count(*), count(e.embedding), min(vector_dims(e.embedding)), "
                    "max(vector_dims(e.embedding)), min(vector_norm(e.embedding)), "
                    "max(vector_norm(e.embedding)), count(*) FILTER (WHERE c.kind = 'transcript' "
                    "AND (c.speaker IS NULL OR c.start_seconds IS NULL)) FROM document_chunks c "
                    "LEFT JOIN chunk_embeddings e "
                    "ON e.org_id = c.org_id AND e.text_hash = c.text_hash"
                )
            )
        ).one()
    total, embedded, min_dims, max_dims, min_norm, max_norm, unattributed = row
    assert total > 0
    assert embedded == total
    assert min_dims == max_dims == 384
    assert min_norm == pytest.approx(1.0, abs=1e-3)
    assert max_norm == pytest.approx(1.0, abs=1e-3)
    assert unattributed == 0


async def test_each_org_stores_one_vector_per_distinct_passage_text(demo_db: Database) -> None:
    # given the demo, whose transcripts reuse wordings across meetings
    async with demo_db.engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT c.org_id, count(*) AS chunks, count(DISTINCT c.text) AS texts, "
                    "(SELECT count(*) FROM chunk_embeddings e WHERE e.org_id = c.org_id) "
                    "AS vectors, count(*) FILTER "
                    "(WHERE c.text_hash <> sha256(convert_to(c.text, 'UTF8'))) AS misfiled "
                    "FROM document_chunks c GROUP BY c.org_id"
                )
            )
        ).all()
    # then every org has exactly one vector per distinct text, keyed by the text's hash
    assert len(rows) == 2
    for row in rows:
        assert row.chunks > row.texts
        assert row.vectors == row.texts
        assert row.misfiled == 0


async def test_the_restricted_org_has_a_member_who_sees_only_a_few_accounts(
    demo_db: Database,
) -> None:
    async with demo_db.engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    """
                    SELECT u.email,
                      (SELECT count(*) FROM accounts a WHERE a.org_id = u.org_id AND (
                         a.owner_id = u.id
                         OR EXISTS (SELECT 1 FROM account_team_members m WHERE m.org_id = a.org_id
                                    AND m.account_id = a.id AND m.user_id = u.id)
                         OR EXISTS (SELECT 1 FROM team_members t WHERE t.org_id = a.org_id
                                    AND t.team_id = a.team_id AND t.user_id = u.id))),
                      (SELECT count(*) FROM accounts a WHERE a.org_id = u.org_id)
                    FROM users u JOIN orgs o ON o.id = u.org_id
                    WHERE o.slug = 'northwind' AND u.role = 'member'
                    """
                )
            )
        ).all()
    book = {email: (visible, total) for email, visible, total in rows}
    visible, total = book["katherine@northwind.example"]
    assert visible == 3
    assert total > 10 * visible
    # and the others' books are proper subsets too, of different shapes
    assert 0 < book["alan@northwind.example"][0] < total
    assert 0 < book["grace@northwind.example"][0] < total


async def test_the_printed_sign_ins_work_and_cover_both_visibility_modes(
    fresh_db: Database,
) -> None:
    # given a build without embeddings (chunks then have no vectors)
    summary = await build_demo(fresh_db.engine, seed=SEED, anchor=ANCHOR)

    # then each printed login's password verifies against that user's stored hash
    async with fresh_db.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT email, password_hash FROM users"))).all()
    stored: dict[str, str] = {email: password_hash for email, password_hash in rows}
    assert {login.visibility for login in summary.logins} == {"open", "restricted"}
    assert all(verify_password(stored[login.email], login.password) for login in summary.logins)
    assert any("narrow" in login.book for login in summary.logins)
    assert_counts_match(summary)


def assert_counts_match(summary: DemoSummary) -> None:
    assert summary.counts["orgs"] == 2
    assert summary.counts["accounts"] == sum(account_counts(PRESETS["small"].accounts))
    assert {org.slug for org in summary.orgs} == {"northwind", "contoso"}


async def test_replace_swaps_only_the_demo_orgs_and_is_refused_when_not_asked_for(
    fresh_db: Database,
) -> None:
    # given a real customer org next to a demo workspace
    other_org = uuid.uuid4()
    async with fresh_db.engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO orgs (id, name, slug) VALUES (:id, 'Umbrella', 'umbrella')"),
            {"id": other_org},
        )
        await conn.execute(
            text("INSERT INTO accounts (org_id, id, name) VALUES (:org, :id, 'Their customer')"),
            {"org": other_org, "id": uuid.uuid4()},
        )
    await build_demo(fresh_db.engine, seed=SEED, anchor=ANCHOR)

    # when building again without replace, then it refuses and nothing changes
    with pytest.raises(DemoExistsError):
        await build_demo(fresh_db.engine, seed=SEED + 1, anchor=ANCHOR, replace=False)
    async with fresh_db.engine.connect() as conn:
        first_org_ids = set(await conn.scalars(text("SELECT id FROM orgs")))
    assert len(first_org_ids) == 3

    # when building with replace, then the demo orgs are new and the other org is untouched
    summary = await build_demo(fresh_db.engine, seed=SEED + 1, anchor=ANCHOR, replace=True)
    async with fresh_db.engine.connect() as conn:
        org_ids = set(await conn.scalars(text("SELECT id FROM orgs")))
        their_accounts = await conn.scalar(
            text("SELECT count(*) FROM accounts WHERE org_id = :org"), {"org": other_org}
        )
        demo_accounts = await conn.scalar(
            text("SELECT count(*) FROM accounts WHERE org_id <> :org"), {"org": other_org}
        )
    assert org_ids == {other_org} | {org.id for org in summary.orgs}
    assert org_ids & first_org_ids == {other_org}
    assert their_accounts == 1
    assert demo_accounts == summary.counts["accounts"]


async def test_a_build_that_fails_part_way_leaves_nothing_behind(fresh_db: Database) -> None:
    # when embedding fails after every other row was copied
    with pytest.raises(RuntimeError, match="embedding service unavailable"):
        await build_demo(
            fresh_db.engine,
            seed=SEED,
            anchor=ANCHOR,
            embedder=BrokenEmbedder(get_local_embedder()),
        )

    # then the transaction rolled back: not one row was written
    async with fresh_db.engine.connect() as conn:
        for name in ("orgs", "users", "accounts", "activities", "document_chunks"):
            assert await conn.scalar(text(f"SELECT count(*) FROM {name}")) == 0


def test_transcript_wording_varies_so_search_must_match_meaning() -> None:
    # given the passages prepared for the "budget cuts" topic
    pool = PassagePool.build(SEED, PRESETS["medium"].wordings_per_exchange, TextIndex())
    opener = [p.turns[0][1].lower() for p in pool.by_template["topic:budget_cuts/0"]]

    # then they are worded many ways, and most never say "budget"
    assert len(set(opener)) >= 15
    assert sum("budget" in line for line in opener) < len(opener) / 2


def test_open_deals_close_within_the_quarter_relative_to_the_anchor() -> None:
    assert quarter_end(date(2026, 11, 20)) == date(2026, 12, 31)
    assert quarter_end(date(2026, 1, 1)) == date(2026, 3, 31)
    assert quarter_end(date(2026, 6, 30)) == date(2026, 6, 30)
    assert quarter_end(date(2026, 7, 1)) - date(2026, 7, 1) == timedelta(days=91)
