"""Alembic environment of a consortium member node's own database (``riskline.consortium.migrate``).

Its version is kept in ``consortium_alembic_version``, not ``alembic_version``, so a node's
schema never mixes with the main Riskline chain, even when both share one database.
"""

from __future__ import annotations

from alembic import context

from riskline.consortium.migrate import VERSION_TABLE
from riskline.consortium.tables import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=True,
    )
    context.run_migrations()
