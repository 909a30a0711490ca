"""The demo workspace the benchmark runs on: built once per data folder, then reused.

A marker file next to the embedded PostgreSQL data records which preset was built and how long
it took, so later runs skip the build and still report its time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

MARKER = "bench-build.json"


@dataclass(frozen=True)
class Dataset:
    data_dir: Path
    scale: str
    build_seconds: float | None
    built_at: str
    reused: bool


def ensure_dataset(data_dir: Path, scale: str, log_path: Path) -> Dataset:
    """The preset ``scale`` in ``data_dir``: reused when its marker says so, else built now."""
    marker = data_dir / MARKER
    if marker.exists():
        recorded = json.loads(marker.read_text())
        if recorded.get("scale") == scale:
            return Dataset(
                data_dir, scale, recorded.get("seconds"), recorded.get("built_at", ""), True
            )
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, ACCOUNTLENS_DATA_DIR=str(data_dir), ACCOUNTLENS_LOG_LEVEL="WARNING")
    env.pop("DATABASE_URL", None)
    started = time.monotonic()
    with log_path.open("wb") as log:
        subprocess.run(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "accountlens.cli", "demo", "--scale", scale],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
        )
    seconds = round(time.monotonic() - started, 1)
    built_at = datetime.now(UTC).isoformat(timespec="seconds")
    marker.write_text(json.dumps({"scale": scale, "seconds": seconds, "built_at": built_at}))
    return Dataset(data_dir, scale, seconds, built_at, False)
