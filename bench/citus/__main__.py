"""``python -m bench.citus``: AccountLens on a real Citus cluster, checked against one node.

Builds Citus 14.0.1 from the vendored source once (cached under ``~/.cache/accountlens``),
starts a coordinator and two workers on loopback, runs ``accountlens migrate`` against the
coordinator, then the distribution step (:func:`accountlens.db.citus.distribute`), loads the
small demo, and drives ``accountlens serve`` on the coordinator (as the app role that row-level
security binds) beside ``accountlens serve`` on a single embedded node holding the same demo:
the cross-tenant matrix, the four SPEC §1 questions, keyword and semantic search, and a
revocation. Prints the figures and ``N passed, M failed``; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

from bench.citus.build import DEFAULT_TARBALL
from bench.citus.run import Options, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.citus", description=__doc__)
    parser.add_argument("--tarball", type=Path, default=DEFAULT_TARBALL,
                        help="the Citus source tarball (default: %(default)s)")  # fmt: skip
    parser.add_argument("--work-dir", type=Path, default=None,
                        help="keep the nodes, logs and single-node data here (default: a "
                        "temporary folder, removed afterwards)")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3, help="timed repetitions per call")
    args = parser.parse_args(argv)
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="accountlens-citus-"))
    try:
        report = asyncio.run(run(Options(work, tarball=args.tarball, rounds=args.rounds)))
    except Exception:
        print(f"the Citus run failed; logs in {work}", file=sys.stderr)
        raise
    failed = report.outcome.failed
    for name, _, detail in failed:
        print(f"FAILED {name}: {detail}")
    passed = len(report.outcome.results) - len(failed)
    print(f"{passed} passed, {len(failed)} failed")
    if args.work_dir is None and not failed:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
