"""A member node's database is made by its own Alembic chain and can be upgraded."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from riskline.consortium import NodeStore
from riskline.consortium import tables as tb
from riskline.consortium.migrate import (
    BASELINE,
    VERSION_TABLE,
    current_revision,
    head_revision,
    upgrade,
)
from riskline.storage import connect
from riskline.storage import upgrade as upgrade_main


def _diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return list(compare_metadata(ctx, tb.metadata))


def test_a_new_node_database_is_made_by_migrations(db_url: str) -> None:
    engine = connect(db_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision() is not None
        assert VERSION_TABLE in inspect(engine).get_table_names()
        assert _diff(engine) == []  # the chain makes exactly the tables the store uses
        upgrade(engine)  # safe on every start
        assert NodeStore(engine).latest_version("blacklist") is None
    finally:
        engine.dispose()


def test_a_node_made_by_create_all_is_adopted_and_upgraded(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'old-node.db'}")
    try:
        tb.metadata.create_all(engine)  # how a node made its tables before it had migrations
        assert current_revision(engine) is None
        upgrade(engine, BASELINE)
        assert current_revision(engine) == BASELINE  # stamped, not created twice
        upgrade(engine)
        assert current_revision(engine) == head_revision() and _diff(engine) == []
    finally:
        engine.dispose()


def test_the_node_chain_and_the_main_chain_share_a_database_without_mixing(
    tmp_path: Path,
) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'shared.db'}")
    try:
        upgrade_main(engine)
        upgrade(engine)
        names = set(inspect(engine).get_table_names())
        assert {"alembic_version", VERSION_TABLE, "events", "consortium_entries"} <= names
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
