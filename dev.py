#!/usr/bin/env python3
"""Developer entry point: needs only Python >= 3.11 and git.

    python3 dev.py serve   # set up, build the demo workspace if needed, run the server
    python3 dev.py test    # set up, run lint, type and architecture checks, then the test suite
    python3 dev.py check   # only the static checks

It creates ``.venv`` on first use and reinstalls the project whenever ``pyproject.toml`` changes,
so there is no manual setup step. Browser tests need Chromium: on Debian/Ubuntu as root it is
installed from the distribution's package, otherwise install the ``chromium`` package yourself.
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


def ensure_chromium() -> None:
    """Browser tests drive the distribution's Chromium (never a downloaded browser build)."""
    if CHROMIUM.exists() or os.environ.get("ACCOUNTLENS_CHROMIUM"):
        return
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        say("installing Chromium for the browser tests (apt-get install chromium)")
        quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(apt, "update", "-qq", env=quiet)
        run(apt, "install", "-y", "-qq", "chromium", env=quiet)
        return
    sys.exit(
        "Browser tests need Chromium at /usr/bin/chromium (Debian/Ubuntu: `sudo apt-get install "
        "chromium`), or set ACCOUNTLENS_CHROMIUM to a Chromium executable."
    )


def ensure_caddy() -> None:
    """The public-https recipe test runs Debian's Caddy as the TLS-terminating proxy."""
    if shutil.which("caddy"):
        return
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        say("installing Caddy for the reverse-proxy test (apt-get install caddy)")
        quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(apt, "update", "-qq", env=quiet)
        run(apt, "install", "-y", "-qq", "caddy", env=quiet)
        return
    sys.exit("The reverse-proxy test needs Caddy (Debian/Ubuntu: `sudo apt-get install caddy`).")


def check() -> None:
    say("ruff")
    run(BIN / "ruff", "check", "accountlens", "tests", "bench", "dev.py")
    run(BIN / "ruff", "format", "--check", "accountlens", "tests", "bench", "dev.py")
    say("mypy --strict")
    run(BIN / "mypy")
    say("import-linter (architecture contracts)")
    run(BIN / "lint-imports")


def test(extra: list[str]) -> None:
    ensure_chromium()
    ensure_caddy()
    check()
    say("pytest")
    code = run(BIN / "pytest", *extra, check=False)
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
