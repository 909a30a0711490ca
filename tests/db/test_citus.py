"""``python -m bench.citus`` as a test: the app on a real Citus cluster (issue 17 item 1).

The same code path as the command: build Citus 14.0.1 from the vendored source (or reuse the
cached build), start a coordinator and two workers on loopback, migrate, distribute, load the
small demo and drive ``accountlens serve`` on the coordinator beside one on a single embedded
node. Every check must pass; see docs/operations.md, "Distributing on Citus".
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from bench.citus.run import Options, run


@pytest.mark.citus
@pytest.mark.timeout(900)
async def test_on_a_citus_cluster_every_org_reads_its_own_shard_and_answers_as_on_one_node() -> (
    None
):
    # given: a folder outside pytest's, whose root other pytest sessions reset to 0700 (the
    # servers run as an unprivileged user, who must be able to reach their data)
    work = Path(tempfile.mkdtemp(prefix="al-citus-", dir="/tmp"))

    # when
    try:
        report = await run(Options(work, rounds=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    # then
    failed = [f"{name}: {detail}" for name, _, detail in report.outcome.failed]
    assert failed == []
    names = [name for name, _, _ in report.outcome.results]
    assert sum(name.startswith("matrix ") for name in names) == 42  # 6 personas × 7 types
    assert any(name.startswith("revocation by an admin") for name in names)
    assert sum("routes to one shard" in name for name in names) == 6  # 3 queries × 2 orgs
