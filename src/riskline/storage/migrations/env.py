"""Alembic environment: uses the engine handed in by riskline.storage.migrate.

``target_metadata`` is the shared ``metadata`` with every package's tables on it (each package
keeps its table definitions beside its code), so autogenerate compares the whole schema.
"""

from __future__ import annotations

import importlib

from alembic import context

from riskline.storage.tables import metadata

TABLE_MODULES = (
    "riskline.projection",
    "riskline.cases.tables",
    "riskline.notices.tables",
    "riskline.identity.tables",
    "riskline.ui.tables",
    "riskline.stream.outbox",
    "riskline.batch.writeback",
    "riskline.storage.labels",
)
"""Modules that put tables on the shared metadata (migrations 0003-0009 create them)."""

for name in TABLE_MODULES:
    importlib.import_module(name)

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    context.run_migrations()
