"""The migrations and the table definitions agree (notices and appeals live in notices/)."""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from riskline.notices import tables as nt
from riskline.storage import connect, upgrade
from riskline.storage.tables import metadata

MODULES = (
    "riskline.projection",
    "riskline.cases.tables",
    "riskline.notices.tables",
    "riskline.identity.tables",
    "riskline.ui.tables",
    "riskline.stream.outbox",
    "riskline.batch.writeback",
)


def test_migrated_schema_matches_every_table_definition(tmp_path: Path) -> None:
    for name in MODULES:
        importlib.import_module(name)
    assert {"notices", "appeals"} <= set(metadata.tables)
    assert nt.notices.metadata is metadata and nt.appeals.metadata is metadata
    engine = connect(f"sqlite:///{tmp_path / 'schema.db'}")
    try:
        upgrade(engine)
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    finally:
        engine.dispose()
