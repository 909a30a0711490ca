"""Semantic search call by call, in process: its keyword leg and the whole call, per user class.

``python -m bench.inprocess semantic DATA_DIR [CALLS] [--database NAME] [--against REV]``
runs :func:`~accountlens.resolvers.semantic.semantic_search` ``CALLS`` times for each user class
on one reader connection after another (the pool hands back the same one, so its prepared
statements are reused as in a served worker) and prints each call's keyword-leg and whole-call
milliseconds: PostgreSQL may plan a prepared statement for its parameters five times and keep
a generic plan from the sixth, and a plan that costs more shows up as a step at call 6. The
median is taken over calls 6 and later. With ``--against REV`` the module as it was at that
commit runs too, alternating with today's call by call (same connection pool, same machine
load), and the answers of both are compared. The question's embedding is computed once per
question and reused, so the times are the SQL and the app's own work.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import make_url

from accountlens.db.embedded import start_embedded
from accountlens.db.engine import EMBEDDED_DATABASE, Database, create_engine
from accountlens.ingest.embeddings import get_local_embedder
from accountlens.resolvers import semantic
from accountlens.resolvers.reader import Reader
from bench.inprocess.probe import principal_of
from bench.load.workload import SEMANTIC_QUERIES, USERS

#: Calls before this one may still run on custom plans (PostgreSQL's first five).
STEADY_FROM = 6


class _OnceEmbedder:
    """The local embedder, each question embedded once."""

    def __init__(self) -> None:
        self._embedder = get_local_embedder()
        self._seen: dict[tuple[str, ...], Any] = {}

    def embed(self, texts: Sequence[str]) -> Any:
        key = tuple(texts)
        if key not in self._seen:
            self._seen[key] = self._embedder.embed(texts)
        return self._seen[key]


def _module_at(rev: str) -> ModuleType:
    """``accountlens/resolvers/semantic.py`` as it was at commit ``rev``, imported apart."""
    git = shutil.which("git")
    if git is None:
        raise SystemExit("--against needs git")
    source = subprocess.run(  # noqa: S603 - git, with a revision the caller named
        [git, "show", f"{rev}:accountlens/resolvers/semantic.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    folder = Path(tempfile.mkdtemp(prefix="semantic-"))
    path = folder / "semantic_at_rev.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("semantic_at_rev", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def _timed_legs(module: ModuleType) -> list[float]:
    """Time each call of ``module``'s keyword leg (ms), appended to the list returned."""
    legs: list[float] = []
    leg = module.__dict__["_keyword_ranks"]

    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await leg(*args, **kwargs)
        finally:
            legs.append((time.perf_counter() - started) * 1000)

    module.__dict__["_keyword_ranks"] = timed  # semantic_search looks it up at each call
    return legs


async def run(data_dir: Path, calls: int, database: str, against: str | None, query: str) -> None:
    server = start_embedded(data_dir / "pgdata")
    engine = create_engine(make_url(server.url(database)))
    db = Database(engine=engine, read_engine=engine)
    embedder = _OnceEmbedder()
    modules = {"now": semantic}
    if against is not None:
        modules = {against: _module_at(against), "now": semantic}
    legs = {name: _timed_legs(module) for name, module in modules.items()}
    try:
        for user_class, (email, _role) in USERS.items():
            principal = await principal_of(engine, email)
            whole: dict[str, list[float]] = {name: [] for name in modules}
            cpu: dict[str, list[float]] = {name: [] for name in modules}
            answers: dict[str, set[tuple[tuple[Any, float], ...]]] = {n: set() for n in modules}
            strategy = ""
            for number in range(calls):
                order = list(modules) if number % 2 == 0 else list(modules)[::-1]
                for name in order:
                    module = modules[name]
                    reader = Reader.open(principal, db)
                    started, cpu_started = time.perf_counter(), time.process_time()
                    try:
                        result = await module.semantic_search(
                            reader, query, embedder, module.SearchTuning()
                        )
                    finally:
                        await reader.close()
                    whole[name].append((time.perf_counter() - started) * 1000)
                    cpu[name].append((time.process_time() - cpu_started) * 1000)
                    answers[name].add(
                        tuple((p.chunk["id"], round(p.score, 12)) for p in result.passages)
                    )
                    strategy = result.strategy
            for name in modules:
                kw = legs[name][-calls:]
                print(f"{user_class} ({strategy}), {name}")
                print("  keyword leg ms:", " ".join(f"{x:.1f}" for x in kw))
                print("  whole call ms: ", " ".join(f"{x:.1f}" for x in whole[name]))
                steady = slice(STEADY_FROM - 1, None)
                print(
                    f"  p50 from call {STEADY_FROM}: keyword leg "
                    f"{statistics.median(kw[steady]):.1f} ms, whole call "
                    f"{statistics.median(whole[name][steady]):.1f} ms, "
                    f"CPU {statistics.median(cpu[name][steady]):.1f} ms"
                )
            distinct = set().union(*answers.values())
            print(f"  answers: {'identical' if len(distinct) == 1 else 'DIFFERENT'}")
    finally:
        await engine.dispose()


def main(argv: list[str]) -> None:
    """``python -m bench.inprocess semantic DATA_DIR [CALLS] [--database N] [--against REV]``."""
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess semantic", description=__doc__)
    parser.add_argument("data_dir", type=Path, help="a benchmark data folder")
    parser.add_argument("calls", type=int, nargs="?", default=12, help="calls per user class")
    parser.add_argument("--database", default=EMBEDDED_DATABASE, help="database of its server")
    parser.add_argument("--against", help="also run semantic.py as of this commit, alternating")
    parser.add_argument("--query", default=SEMANTIC_QUERIES[0], help="the question")
    args = parser.parse_args(argv)
    asyncio.run(run(args.data_dir.resolve(), args.calls, args.database, args.against, args.query))
