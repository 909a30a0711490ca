#!/usr/bin/env python3
"""Developer entry point: needs only Python >= 3.11 and git.

    python3 dev.py serve   # set up, build the demo workspace if needed, run the server
    python3 dev.py test    # set up, run lint, type and architecture checks, then the test suite
    python3 dev.py check   # only the static checks

It creates ``.venv`` on first use and reinstalls the project whenever ``pyproject.toml`` changes,
so there is no manual setup step. The tests need Chromium, Caddy, PgBouncer and the distribution's
PostgreSQL: on Debian/Ubuntu as root they are installed from the distribution's packages,
otherwise install ``chromium``, ``caddy``, ``pgbouncer`` and ``postgresql`` yourself.
Standard library only, on purpose: this file runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".accountlens-installed"
CHROMIUM = Path("/usr/bin/chromium")


def say(message: str) -> None:
    print(f"\033[1m[dev]\033[0m {message}", flush=True)


def run(*args: str | Path, check: bool = True, env: dict[str, str] | None = None) -> int:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env, check=False)  # noqa: S603
    if check and result.returncode != 0:
        sys.exit(result.returncode)
    return result.returncode


def ensure_venv() -> None:
    """Create the virtualenv and (re)install the project when its requirements changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs on whatever python3 is
        sys.exit(f"AccountLens needs Python >= 3.11; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not (BIN / "python").exists():
        say(f"creating virtualenv in {VENV.relative_to(ROOT)}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    say("installing AccountLens and its dependencies (first run takes about a minute)")
    pip = [BIN / "python", "-m", "pip", "--disable-pip-version-check", "-q"]
    run(*pip, "install", "--upgrade", "pip")
    run(*pip, "install", "-e", ".[dev]")
    STAMP.write_text(wanted)


#: Distribution packages the tests run for real, by a file each one installs.
SYSTEM_PACKAGES = {
    "chromium": CHROMIUM,  # browser tests (never a downloaded browser build)
    "caddy": Path("/usr/bin/caddy"),  # the TLS-terminating reverse proxy of the https recipe
    "pgbouncer": Path("/usr/sbin/pgbouncer"),  # the app behind PgBouncer in transaction mode
    "postgresql": Path("/usr/lib/postgresql"),  # a TLS-enabled server (the embedded one has no TLS)
}


def ensure_system_packages() -> None:
    """Install the distribution packages the tests need, when missing (Debian/Ubuntu as root)."""
    missing = [name for name, path in SYSTEM_PACKAGES.items() if not path.exists()]
    if "chromium" in missing and os.environ.get("ACCOUNTLENS_CHROMIUM"):
        missing.remove("chromium")
    if not missing:
        return
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        say(f"installing {', '.join(missing)} for the tests (apt-get install)")
        quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(apt, "update", "-qq", env=quiet)
        run(apt, "install", "-y", "-qq", *missing, env=quiet)
        return
    sys.exit(
        f"The tests need the distribution packages {', '.join(missing)} (Debian/Ubuntu: `sudo "
        f"apt-get install {' '.join(missing)}`); for Chromium elsewhere, set ACCOUNTLENS_CHROMIUM."
    )


def check() -> None:
    say("ruff")
    run(BIN / "ruff", "check", "accountlens", "tests", "bench", "dev.py")
    run(BIN / "ruff", "format", "--check", "accountlens", "tests", "bench", "dev.py")
    say("mypy --strict")
    run(BIN / "mypy")
    say("import-linter (architecture contracts)")
    run(BIN / "lint-imports")


#: Two xdist workers, each a pytest session of its own with its own embedded PostgreSQL
#: (tests/conftest.py). "worksteal" hands each worker half the tests in collection order (so a
#: module's fixtures are mostly built once) and lets an idle worker take the other's unstarted
#: tests: the Citus test, collected first and minutes long, runs beside the rest.
PARALLEL = ["-n", "2", "--dist", "worksteal"]


def test(extra: list[str]) -> None:
    ensure_system_packages()
    check()
    say("pytest")
    # Asked for a worker count (-n 0: one process) or a distribution of your own? Yours wins.
    chosen = any(a.startswith(("-n", "--numprocesses", "--dist")) for a in extra)
    code = run(BIN / "pytest", *([] if chosen else PARALLEL), *extra, check=False)
    if code == 5:
        say("pytest collected no tests: that is a failure")
        sys.exit(1)
    sys.exit(code)


def serve(extra: list[str]) -> None:
    args = extra or ["--demo", "small"]
    os.execv(BIN / "accountlens", [str(BIN / "accountlens"), "serve", *args])  # noqa: S606


def main() -> None:
    command, *extra = sys.argv[1:] or ["help"]
    if command not in ("serve", "test", "check"):
        print(__doc__)
        sys.exit(0 if command == "help" else 2)
    ensure_venv()
    if command == "serve":
        serve(extra)
    elif command == "test":
        test(extra)
    else:
        check()


if __name__ == "__main__":
    main()
