"""Re-scoring results written back in bulk: Parquet from Spark, then one database transaction.

Spark executors write the results as Parquet (parallel, no database connection per task); the
driver then streams the files into ``rescoring_results`` in one transaction (batched multi-row
inserts), replacing any earlier rows of the same ``run_id``: a run is visible entirely or not
at all, and re-running it is idempotent. The table is on the shared ``metadata`` and made by
migration 0008; the write-back brings the database to the newest revision first, like every
process that opens a Riskline database.

>>> sorted(c.name for c in RESULTS.primary_key.columns)
['person_id', 'run_id']
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds
import sqlalchemy as sa

from riskline.storage import connect, upgrade
from riskline.storage.tables import metadata

__all__ = ["RESULTS", "write_results"]

RESULTS = sa.Table(
    "rescoring_results",
    metadata,
    sa.Column("run_id", sa.String(64), primary_key=True),
    sa.Column("person_id", sa.String(128), primary_key=True),
    sa.Column("account_id", sa.String(128), nullable=True),
    sa.Column("event_id", sa.String(128), nullable=True),
    sa.Column("credit_score", sa.Float, nullable=False),
    sa.Column("fraud_score", sa.Float, nullable=True),
    sa.Column("band", sa.String(16), nullable=False),
    sa.Column("limit_revolving", sa.Float, nullable=False),
    sa.Column("limit_cash_loan", sa.Float, nullable=False),
    sa.Column("current_limit", sa.Float, nullable=True),
    sa.Column("action", sa.String(32), nullable=True),
    sa.Column("rescored_at", sa.DateTime(timezone=True), nullable=False),
)
BATCH = 5000


def _batches(path: Path, run_id: str, at: datetime) -> Iterator[list[dict[str, Any]]]:
    for batch in ds.dataset(str(path), format="parquet").to_batches(batch_size=BATCH):
        rows = batch.to_pylist()
        for r in rows:
            r["run_id"], r["rescored_at"] = run_id, at
            for key in ("fraud_score", "current_limit"):
                if r[key] is not None and r[key] != r[key]:
                    r[key] = None  # NaN means "none" in the database
        yield rows


def write_results(db_url: str, results: Path, run_id: str, at: datetime) -> int:
    """Load the Parquet ``results`` into ``rescoring_results`` in one transaction; row count."""
    engine = connect(db_url)
    try:
        upgrade(engine)
        n = 0
        with engine.begin() as conn:
            conn.execute(sa.delete(RESULTS).where(RESULTS.c.run_id == run_id))
            for rows in _batches(results, run_id, at):
                conn.execute(sa.insert(RESULTS), rows)
                n += len(rows)
        return n
    finally:
        engine.dispose()
