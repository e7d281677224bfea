"""Storage: SQLAlchemy tables, the SQL store for the engine, API keys, migrations."""

from riskline.storage.db import connect, scratch_url
from riskline.storage.keys import ApiKey, KeyStore, Role
from riskline.storage.lists import SqlListStore
from riskline.storage.migrate import current_revision, head_revision, upgrade
from riskline.storage.store import SqlStore

__all__ = [
    "ApiKey",
    "KeyStore",
    "Role",
    "SqlListStore",
    "SqlStore",
    "connect",
    "current_revision",
    "head_revision",
    "scratch_url",
    "upgrade",
]
