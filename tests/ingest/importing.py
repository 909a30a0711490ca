"""Helpers shared by the importer tests: write a directory of files, run an import, read back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from accountlens.auth.principal import Principal
from accountlens.db.models import Org, User
from accountlens.ingest.embeddings import get_local_embedder
from accountlens.ingest.importer import ImportReport, import_directory

ORG = "acme"
Rows = dict[str, list[Any]]


def write_directory(directory: Path, rows: Rows) -> Path:
    """Write each file's rows as JSON Lines (a str row is written verbatim)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, lines in rows.items():
        body = "".join(
            (line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines
        )
        (directory / name).write_text(body, encoding="utf-8")
    return directory


async def run_import(
    engine: AsyncEngine,
    directory: Path,
    *,
    embed: bool = False,
    create: bool = True,
    **options: Any,
) -> ImportReport:
    return await import_directory(
        engine,
        directory,
        org_slug=ORG,
        create_org_name="Acme Inc" if create else None,
        embedder=get_local_embedder() if embed else None,
        **options,
    )


async def scalar(engine: AsyncEngine, statement: Any) -> Any:
    async with engine.connect() as conn:
        return await conn.scalar(statement)


async def id_of(engine: AsyncEngine, model: Any, external_id: str) -> Any:
    return await scalar(engine, select(model.id).where(model.external_id == external_id))


async def count(engine: AsyncEngine, model: Any, org: str | None = None) -> int:
    """Rows of ``model``; with ``org``, only that org's (by slug)."""
    statement = select(func.count()).select_from(model)
    if org is not None:
        statement = statement.join(Org, Org.id == model.org_id).where(Org.slug == org)
    return int(await scalar(engine, statement))


def messages(report: ImportReport) -> dict[str, str]:
    return {row.location: row.message for row in report.rejected}


async def admin_of(engine: AsyncEngine, external_id: str) -> Principal:
    """The imported admin user ``external_id`` as a principal of the imported org."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(User.id, User.org_id, User.email, User.name)
                .join(Org, Org.id == User.org_id)
                .where(Org.slug == ORG, User.external_id == external_id)
            )
        ).one()
    return Principal(
        user_id=row.id, org_id=row.org_id, role="admin", email=row.email, name=row.name
    )
