"""Alembic environment: uses the engine handed in by riskline.storage.migrate."""

from __future__ import annotations

from alembic import context

from riskline.storage.tables import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    context.run_migrations()
