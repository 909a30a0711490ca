"""``python -m bench.fault``: the load and fault test (what it checks: ``bench.fault``)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import bench.fault
from bench.fault.run import Options, run


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fault",
        description=bench.fault.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scale", default="small", choices=("small", "medium", "large"))
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60.0, help="phase A length")
    parser.add_argument("--outage", type=float, default=10.0, help="seconds PostgreSQL is down")
    parser.add_argument("--lead", type=float, default=10.0, help="phase B load before the outage")
    parser.add_argument("--tail", type=float, default=10.0, help="phase B load after recovery")
    parser.add_argument("--recovery-timeout", type=float, default=30.0)
    parser.add_argument(
        "--retry-pause",
        type=float,
        default=0.25,
        help="a client's pause after a 503 before its next call",
    )
    parser.add_argument("--per-user", type=int, default=2, help="connections per demo user")
    parser.add_argument("--ports", default="8791,8792", help="the two processes' ports")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="keep and reuse the database here (default: a temporary folder)",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--events", type=Path, help="also write every call as JSON lines here")
    args = parser.parse_args()  # fmt: skip
    if args.clients < 2:
        parser.error("--clients must be at least 2 (one per process)")
    first, second = (int(p) for p in args.ports.split(","))
    options = Options(
        scale=args.scale, clients=args.clients, seconds=args.seconds, outage=args.outage,
        lead=args.lead, tail=args.tail, recovery_timeout=args.recovery_timeout,
        retry_pause=args.retry_pause, per_user=args.per_user, ports=(first, second),
        data_dir=args.data_dir.resolve() if args.data_dir else None, out_dir=args.out,
        events_file=args.events,
    )  # fmt: skip
    result = asyncio.run(run(options, log=lambda m: print(m, flush=True)))
    print()
    print(result["table"])
    sys.exit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
