"""rescoring_results comes from migration 0008, also where the write-back had made it itself."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from riskline.batch import RESULTS, write_results
from riskline.storage import connect, current_revision, head_revision, upgrade

AT = datetime(2026, 3, 1, tzinfo=UTC)


def _results(folder: Path) -> Path:
    folder.mkdir()
    row = {
        "person_id": "p1",
        "account_id": "a1",
        "event_id": "e1",
        "credit_score": 640.0,
        "fraud_score": 0.1,
        "band": "B",
        "limit_revolving": 5000.0,
        "limit_cash_loan": 1000.0,
        "current_limit": None,
        "action": None,
    }
    types = {"current_limit": pa.float64(), "action": pa.string()}
    table = pa.table({k: pa.array([v], type=types.get(k)) for k, v in row.items()})
    pq.write_table(table, folder / "part-0.parquet")
    return folder


def _stored(url: str) -> int:
    engine = connect(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(RESULTS)).scalar_one())
    finally:
        engine.dispose()


def test_write_back_on_a_new_database_migrates_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert write_results(url, _results(tmp_path / "res"), "run-1", AT) == 1
    engine = connect(url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    assert _stored(url) == 1


def test_a_table_the_write_back_made_itself_is_kept_by_the_migration(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = connect(url)
    try:
        upgrade(engine, "0007")
        old = sa.MetaData()  # how the write-back made its table before migration 0008
        RESULTS.to_metadata(old).create(engine)
        with engine.begin() as conn:
            conn.execute(
                RESULTS.insert(),
                [
                    {
                        "run_id": "run-0",
                        "person_id": "p0",
                        "credit_score": 600.0,
                        "band": "C",
                        "limit_revolving": 0.0,
                        "limit_cash_loan": 0.0,
                        "rescored_at": AT,
                    }
                ],
            )
        upgrade(engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    assert write_results(url, _results(tmp_path / "res"), "run-1", AT) == 1
    assert _stored(url) == 2  # the earlier run survived the upgrade
