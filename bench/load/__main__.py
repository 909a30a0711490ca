"""``python -m bench.load`` (or ``python -m bench``): the whole benchmark, then its tables."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from bench.load.run import Options, run

PRESETS = ("small", "medium", "large")


def main(prog: str = "python -m bench", only: str | None = None, doc: str | None = None) -> None:
    """Parse the options and run; ``only`` fixes the step (``python -m bench.peers``)."""
    parser = argparse.ArgumentParser(prog=prog, description=doc or __doc__)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("ACCOUNTLENS_BENCH_DATA", "bench/.data")),
        help="where the demo preset's PostgreSQL lives (built once, reused)",
    )
    parser.add_argument(
        "--scale",
        default="large",
        type=_scales,
        help="small, medium or large, or several comma-separated (e.g. medium,large: one run "
        "per preset, one after the other, then one targets table of all; --data-dir then names "
        "each preset's folder with {scale}, e.g. /data/bench-{scale})",
    )
    parser.add_argument("--levels", default="1,4,16", help="concurrent clients per level")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured seconds per level")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured seconds per level")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (peers)")
    parser.add_argument("--floor-repeats", type=int, default=20)
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="server worker processes (default: one per core)",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--tag", default="", help="suffix for the result files, e.g. -before")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--no-peers",
        action="store_true",
        help="skip the peers step at the end (its targets table then is not written)",
    )
    parser.add_argument("--profile-label", help="profile this call instead of the slowest")
    parser.add_argument(
        "--calls",
        help="time only these calls of the mix (comma-separated labels, e.g. 'get 25 "
        "tickets,product_usage 90d weekly'): the fixed per-call cost without the heavy calls",
    )
    if only is None:
        parser.add_argument(
            "--only",
            choices=("recall", "peers"),
            help="run one step: recall starts the server, mints the connections, measures "
            "semantic-search recall@10 per user class and stops; peers times the cheap calls "
            "next to the SQL floor and two minimal MCP servers (--seconds per slice, --rounds, "
            "the highest --levels as the concurrent clients)",
        )
    args = parser.parse_args()  # fmt: skip
    scales: tuple[str, ...] = args.scale
    if len(scales) > 1 and "{scale}" not in str(args.data_dir):
        parser.error("several presets need --data-dir with {scale} in it (a folder each)")
    logging.basicConfig(level=logging.WARNING, force=True)
    tables: list[tuple[str, str]] = []
    for scale in scales:
        options = _options(args, scale, only, several=len(scales) > 1)
        result = asyncio.run(run(options, log=lambda m: print(m, flush=True)))
        print()
        print(result["markdown"])
        tables.append((scale, result.get("targets") or result["markdown"]))
    if len(scales) > 1:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M")
        out = args.out / f"{stamp}{args.tag}-targets.md"
        out.write_text("".join(f"## Preset `{scale}`\n\n{table}\n" for scale, table in tables))
        print(f"targets of {', '.join(scales)}: {out}")


def _scales(value: str) -> tuple[str, ...]:
    """``--scale``: one preset or several, comma-separated, each known."""
    names = tuple(v.strip() for v in value.split(",") if v.strip())
    unknown = [n for n in names if n not in PRESETS]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown preset {unknown[0] if unknown else value!r}; choose from "
            f"{', '.join(PRESETS)} (or several, comma-separated)"
        )
    return names


def _options(args: argparse.Namespace, scale: str, only: str | None, several: bool) -> Options:
    """The run of one preset; with several, each writes its own files (tag ``-<preset>``)."""
    data_dir = Path(str(args.data_dir).replace("{scale}", scale))
    return Options(
        data_dir=data_dir.resolve(),
        scale=scale,
        levels=tuple(int(n) for n in args.levels.split(",")),
        seconds=args.seconds,
        warmup=args.warmup,
        floor_repeats=args.floor_repeats,
        port=args.port,
        out_dir=args.out,
        profile=not args.no_profile,
        tag=f"{args.tag}-{scale}" if several else args.tag,
        profile_label=args.profile_label,
        workers=args.workers,
        only=only or args.only,
        rounds=args.rounds,
        peers=not args.no_peers,
        calls=tuple(c.strip() for c in args.calls.split(",")) if args.calls else (),
    )


if __name__ == "__main__":
    main()
