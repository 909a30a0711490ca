"""The ``accountlens`` command: serve, migrate, distribute, demo, import.

Each command resolves the database the same way the server does: ``DATABASE_URL`` when set,
otherwise the embedded PostgreSQL in the data folder (started for the command and stopped after,
unless it was already running for a server).

Every command is a process of its own (the test suite starts dozens), so a command imports the
database layer, the app and the importers when it runs: ``--help`` and the operator commands
never load the web stack, and only ``serve`` loads the app.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar, cast

import typer
from pydantic import SecretStr, ValidationError
from rich.console import Console

from accountlens.auth.cli import connections_app, orgs_app, users_app
from accountlens.auth.sso_cli import sso_app
from accountlens.config import Settings, UnsafeConfigurationError
from accountlens.db.datadir import DataDirNotFoundError, locate_data_dir
from accountlens.telemetry.logs import configure_logging

if TYPE_CHECKING:
    from fastapi import FastAPI

    from accountlens.db.engine import Database

    # For annotations only: importing it runs accountlens.ingest.demo's __init__, which loads
    # the whole demo build (about 0.25 s) into every command, ``users list`` included.
    from accountlens.ingest.demo.summary import DemoLogin

app = typer.Typer(
    name="accountlens",
    help="AccountLens: customer data for AI assistants through a read-only MCP server.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(users_app, name="users")
app.add_typer(orgs_app, name="orgs")
app.add_typer(connections_app, name="connections")
app.add_typer(sso_app, name="sso")
console = Console(stderr=True)
T = TypeVar("T")

Scale = Literal["small", "medium", "large"]


def _settings(**overrides: object) -> Settings:
    try:
        settings = Settings()
        return settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    except (ValidationError, UnsafeConfigurationError) as exc:
        console.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


@contextmanager
def _database_settings(settings: Settings, *, may_create: bool = True) -> Iterator[Settings]:
    """Settings pointing at a ready database: the configured one, or the embedded server.

    The embedded server is the one in the data directory the server uses (see
    :mod:`accountlens.db.datadir`); without ``may_create`` the command refuses (exit 2) rather
    than create a second one. An embedded server started here is stopped when the block exits.
    """
    from accountlens.db.engine import pin_database

    try:
        settings = locate_data_dir(settings, may_create=may_create)
    except DataDirNotFoundError as exc:
        console.print(f"[red]No database:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from exc
    settings, embedded = pin_database(settings)
    try:
        yield settings
    finally:
        if embedded is not None:
            embedded.stop()


def _with_database(
    settings: Settings, work: Callable[[Database], Awaitable[T]], *, serving: bool = False
) -> T:
    """Open the database named by ``settings``, migrate and grant, run ``work``, close."""
    from accountlens.db.engine import open_database
    from accountlens.db.migrate import prepare_database

    async def run() -> T:
        db = await open_database(settings)
        try:
            await prepare_database(db, starting_server=serving)
            return await work(db)
        finally:
            await db.close(stop_embedded=False)

    return asyncio.run(run())


def _configure_logging(settings: Settings) -> None:
    configure_logging(settings.log_level, json_output=settings.json_logs)
    logging.getLogger("alembic").setLevel(logging.WARNING)


@app.command()
def migrate() -> None:
    """Apply database migrations (idempotent)."""
    settings = _settings()
    _configure_logging(settings)

    async def done(db: Database) -> None:
        console.print("[green]Database schema is up to date.[/green]")

    with _database_settings(settings) as ready:
        _with_database(ready, done)


@app.command()
def distribute(
    shard_count: Annotated[
        int | None, typer.Option(help="Shards per distributed table (Citus default: 32)")
    ] = None,
) -> None:
    """Place the schema on a Citus cluster by org (coordinator, after migrate; idempotent)."""
    settings = _settings()
    _configure_logging(settings)
    if settings.database_url is None:
        console.print("[red]distribute needs DATABASE_URL[/red] pointing at a Citus coordinator")
        raise typer.Exit(2)

    async def place(db: Database) -> None:
        from accountlens.db.citus import distribute as place_on_cluster

        done = await place_on_cluster(db.owner, shard_count=shard_count)
        for statement in done.statements:
            console.print(statement, highlight=False, soft_wrap=True)
        placed = sum("create_" in s for s in done.statements)
        console.print(f"[green]{placed} tables placed on the cluster.[/green]")

    with _database_settings(settings) as ready:
        _with_database(ready, place)


@app.command()
def demo(
    scale: Annotated[str, typer.Option(help="small | medium | large")] = "small",
    seed: Annotated[int, typer.Option(help="Random seed; the same seed builds the same data")] = 42,
    replace: Annotated[bool, typer.Option(help="Delete existing demo orgs first")] = True,
) -> None:
    """Build the deterministic demo workspace (two orgs) and print the demo sign-ins."""
    if scale not in ("small", "medium", "large"):
        console.print(f"[red]Unknown scale {scale!r}[/red]: choose small, medium or large")
        raise typer.Exit(2)
    settings = _settings()
    _configure_logging(settings)
    with _database_settings(settings) as ready:
        _with_database(ready, lambda db: _build_demo(db, ready, scale, seed, replace))


async def _build_demo(
    db: Database, settings: Settings, scale: str, seed: int, replace: bool
) -> None:
    from accountlens.ingest.demo import build_demo
    from accountlens.ingest.embeddings import embedder_from_settings

    summary = await build_demo(
        db.owner,  # the demo writes customer tables, which only the owner may
        scale=cast(Scale, scale),
        seed=seed,
        embedder=embedder_from_settings(settings),
        console=console,
        replace=replace,
    )
    print_logins(summary.logins)


def print_logins(logins: Sequence[DemoLogin], sign_in_url: str | None = None) -> None:
    """The demo sign-ins, one per line (readable at any terminal width, and greppable)."""
    out = Console(soft_wrap=True)
    where = f" at {sign_in_url}" if sign_in_url else ""
    out.print(f"[bold]Demo sign-ins[/bold]{where}:")
    for login in logins:
        out.print(
            f"  {login.email:<30} password [bold]{login.password}[/bold]  "
            f"({login.role}, {login.org_name}, {login.visibility} org; {login.book})",
            highlight=False,
        )


async def _stored_demo_logins(db: Database) -> list[DemoLogin]:
    """The named demo sign-ins whose users exist and are active in this database."""
    from sqlalchemy import text

    from accountlens.ingest.demo.cast import named_logins

    wanted = named_logins()
    query = text("SELECT email FROM users WHERE is_active AND email = ANY(:emails)")
    async with db.engine.connect() as conn:
        present = set(await conn.scalars(query, {"emails": [w.email for w in wanted]}))
    return [login for login in wanted if login.email in present]


def report_console() -> Console:
    """The report's console: stdout, lines never wrapped (when piped, a line stays one line
    so that ``grep file.jsonl:12`` finds it whole)."""
    out = Console(soft_wrap=True, highlight=False)
    if not out.is_terminal:
        out = Console(soft_wrap=True, highlight=False, width=1_000)
    return out


@app.command("import")
def import_(
    directory: Annotated[Path, typer.Argument(help="Folder of the files to import")],
    org: Annotated[str, typer.Option(help="Slug of the org to import into")],
    create_org: Annotated[
        str | None, typer.Option(help="Create the org with this display name if it is missing")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything and report; write nothing")
    ] = False,
    prune: Annotated[
        bool,
        typer.Option("--prune", help="Delete imported records missing from this full export"),
    ] = False,
    report: Annotated[
        str, typer.Option("--report", help="text (a table) or json (one object, for scripts)")
    ] = "text",
    source: Annotated[
        str,
        typer.Option(
            help="jsonl (our format), csv (with --mapping), salesforce, hubspot, zendesk or "
            "transcripts"
        ),
    ] = "jsonl",
    mapping: Annotated[
        Path | None, typer.Option(help="TOML mapping of CSV columns to fields (--source csv)")
    ] = None,
    encoding: Annotated[
        str | None, typer.Option(help="Encoding of CSV files, e.g. latin-1 [default: utf-8]")
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option(help="CSV delimiter [default: , or ; from the header]")
    ] = None,
    date_format: Annotated[
        str | None, typer.Option(help="Date format of CSV cells, e.g. %d/%m/%Y")
    ] = None,
    decimal_comma: Annotated[
        bool | None,
        typer.Option("--decimal-comma/--decimal-point", help="Numbers write 1.234,50"),
    ] = None,
) -> None:
    """Import JSON Lines files, or CSV files through a mapping (see docs/import-format.md),
    upserting by external_id."""
    from accountlens.ingest.deferred import DeferredEmbedder
    from accountlens.ingest.embeddings import embedder_from_settings, get_local_embedder
    from accountlens.ingest.importer import ImportSetupError, import_directory
    from accountlens.ingest.importer.csv_source import CsvOverrides

    overrides = CsvOverrides(
        encoding=encoding,
        delimiter=delimiter.replace("\\t", "\t") if delimiter else None,
        date_format=date_format,
        decimal_comma=decimal_comma,
    )

    if report not in ("text", "json"):
        console.print(f"[red]Unknown report format {report!r}[/red]: choose text or json")
        raise typer.Exit(2)
    if not directory.is_dir():
        console.print(f"[red]Not a directory:[/red] {directory}")
        raise typer.Exit(2)
    if delimiter is not None and len(delimiter.replace("\\t", "\t")) != 1:
        console.print(f"[red]A delimiter is one character[/red] (got {delimiter!r})")
        raise typer.Exit(2)
    settings = _settings()
    _configure_logging(settings)

    # The local model (about 240 MB) is loaded only if there are passages to embed; a
    # service's settings are checked now, before anything is imported.
    local = settings.embedding_backend == "local"
    embedder = DeferredEmbedder(get_local_embedder) if local else embedder_from_settings(settings)

    async def work(db: Database) -> int:
        try:
            outcome = await import_directory(
                db.owner,  # imports write customer tables, which only the owner may
                directory,
                org_slug=org,
                create_org_name=create_org,
                embedder=None if dry_run else embedder,
                console=console,
                dry_run=dry_run,
                source=source,
                mapping=mapping,
                csv_options=overrides,
                prune=prune,
                batch_rows=settings.import_batch_rows,
                max_transcript_bytes=settings.import_max_transcript_bytes,
            )
        except ImportSetupError as exc:
            console.print(f"[red]Import not started:[/red] {exc}", soft_wrap=True)
            return 2
        if report == "json":
            print(json.dumps(outcome.as_dict(), ensure_ascii=False))
        else:
            outcome.print(report_console())
        return 1 if outcome.failed else 0

    with _database_settings(settings, may_create=False) as ready:
        code = _with_database(ready, work)
    raise typer.Exit(code)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind")] = None,
    demo_scale: Annotated[
        str | None,
        typer.Option("--demo", help="Build this demo preset first if the database has no orgs"),
    ] = None,
    tls_cert: Annotated[Path | None, typer.Option(help="TLS certificate (PEM)")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="TLS private key (PEM)")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            envvar="ACCOUNTLENS_WORKERS",
            help="Worker processes [default: one per CPU in production, else 1]",
        ),
    ] = None,
) -> None:
    """Run the server (starting the embedded PostgreSQL when no DATABASE_URL is set)."""
    import uvicorn

    from accountlens.serving import SpreadWorkers, spreads_connections

    settings = _settings(host=host, port=port, tls_cert=tls_cert, tls_key=tls_key)
    _configure_logging(settings)
    embedded = settings.database_url is None
    with _database_settings(settings) as settings:

        async def prepare(db: Database) -> list[DemoLogin]:
            if demo_scale and not await _has_orgs(db):
                await _build_demo(db, settings, demo_scale, 42, True)
            return await _stored_demo_logins(db)

        logins = _with_database(settings, prepare, serving=True)
        if logins:
            print_logins(logins, sign_in_url=f"{settings.public_url}/")
        where = f"embedded PostgreSQL in {settings.pgdata_dir}" if embedded else "DATABASE_URL"
        count = workers or default_workers(settings)
        console.print(
            f"[bold green]AccountLens[/bold green] is starting on {settings.public_url} "
            f"(database: {where}; {count} worker{'s' if count > 1 else ''}).\n"
            f"  Health: {settings.public_url}/readyz\n"
            "  Stop with Ctrl+C."
        )
        export_for_workers(settings)
        options: dict[str, Any] = {
            "factory": True,
            "workers": count,
            "host": settings.host,
            "port": settings.port,
            "log_level": settings.log_level.lower(),
            "ssl_certfile": str(settings.tls_cert) if settings.tls_cert else None,
            "ssl_keyfile": str(settings.tls_key) if settings.tls_key else None,
            "proxy_headers": bool(settings.trusted_proxies),
            "forwarded_allow_ips": settings.trusted_proxies or None,
            "server_header": False,
            "log_config": None,  # keep our JSON/text handlers (configure_logging)
        }
        with _stop_signals_end_serving():
            if count > 1 and spreads_connections():
                SpreadWorkers(uvicorn.Config("accountlens.cli:worker_app", **options)).run()
            else:
                uvicorn.run("accountlens.cli:worker_app", **options)


@contextmanager
def _stop_signals_end_serving() -> Iterator[None]:
    """Let SIGINT/SIGTERM end ``serve`` cleanly once uvicorn has shut down gracefully.

    uvicorn re-raises the signal that stopped it for the handler that was there before; with
    Python's defaults SIGTERM would kill the process (exit -15) before the embedded PostgreSQL
    is stopped. Here the re-raised signal just returns, and ``serve`` finishes normally.
    """
    previous = {sig: signal.signal(sig, _ignore) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _ignore(signum: int, frame: object) -> None:
    """A signal handler that does nothing (see :func:`_stop_signals_end_serving`)."""


def default_workers(settings: Settings) -> int:
    """One worker per CPU this process may use in production; one elsewhere (easy to debug)."""
    if settings.environment != "production":
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))  # honours CPU pinning (containers, taskset)
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


#: Settings ``serve`` may decide itself (options, the embedded server's URL), handed to the
#: workers through the environment: they read their settings from it like any process, and a
#: database password never appears on a command line.
_WORKER_SETTINGS = ("database_url", "database_owner_url", "host", "port", "tls_cert", "tls_key")


def export_for_workers(settings: Settings) -> None:
    """Put what ``serve`` resolved into ``os.environ``, which uvicorn's workers inherit."""
    for name in _WORKER_SETTINGS:
        value = getattr(settings, name)
        if value is None:
            continue
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        os.environ[f"ACCOUNTLENS_{name.upper()}"] = text


def worker_app() -> FastAPI:
    """The app of one ``serve`` worker (uvicorn's factory), configured from the environment.

    Migrations, grants and the demo build already ran in ``serve`` before any worker started
    (workers must not all run them at once), and the embedded PostgreSQL, if any, belongs to
    ``serve``: a worker only connects to it.
    """
    import gc

    from accountlens.app import create_app

    settings = Settings()
    _configure_logging(settings)
    app = create_app(settings, prepared=True)
    # Everything built so far (modules, the schema, the app) lives as long as the worker. Left
    # to the collector, each full collection walks all of it again: on a cheap tool call that
    # was about 0.5 ms of 5 (bench.inprocess fixedcost with the collector off). Frozen, the
    # collector only walks what requests allocate. Only here: tests build many apps in one
    # process and must not keep the dead ones.
    gc.collect()
    gc.freeze()
    return app


async def _has_orgs(db: Database) -> bool:
    from sqlalchemy import text

    async with db.engine.connect() as conn:
        return bool(await conn.scalar(text("SELECT EXISTS (SELECT 1 FROM orgs)")))


if __name__ == "__main__":  # pragma: no cover
    app()
