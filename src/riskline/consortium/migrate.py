"""A member node's schema: its own Alembic chain, run programmatically on every start.

A node is a separate service with its own database (``RISKLINE_CONSORTIUM_DATABASE_URL``), so
its migrations live beside it (``consortium/migrations``) rather than in the main Riskline
chain, and its version is kept in its own table, ``consortium_alembic_version``: the two
chains never see each other's revisions, even when pointed at one database. A node database
made by the old ``create_all`` (tables, no version) is stamped at the first revision, whose
schema it has, and upgraded from there.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

__all__ = ["BASELINE", "VERSION_TABLE", "current_revision", "head_revision", "upgrade"]

VERSION_TABLE = "consortium_alembic_version"
BASELINE = "0001"
"""The revision of the schema ``create_all`` used to make (adopted as is)."""
_HERE = Path(__file__).with_name("migrations")


def _config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the node's schema up to ``revision`` (safe on every start)."""
    cfg = _config(engine)
    if current_revision(engine) is None and inspect(engine).has_table("consortium_entries"):
        command.stamp(cfg, BASELINE)  # made by create_all before the node had migrations
    command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the node's database is at (None when never migrated)."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return ctx.get_current_revision()


def head_revision() -> str | None:
    """The newest node revision shipped."""
    return ScriptDirectory.from_config(_config()).get_current_head()
