"""Alembic environment: runs on a connection handed over by ``accountlens.db.migrate``."""

from __future__ import annotations

from alembic import context

from accountlens.db.models import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `accountlens migrate`, which supplies the connection")

context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
