"""Portfolio re-scoring on Spark against the same models applied row by row, and the bulk write."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
import sqlalchemy as sa

from riskline.batch import RESULTS, RescorePolicy, recommend, rescore, scoring_rows, write_results
from riskline.credit.limits import BandTable
from riskline.events.types import Product


class FakeCard:
    """A scorecard: 500 points plus 20 per payment and minus 40 per overdue bill."""

    features = ("account.payments_30d", "account.overdue_bills_90d")

    def score(self, rows: pl.DataFrame) -> np.ndarray:
        pay = rows["account.payments_30d"].fill_null(0.0).to_numpy()
        late = rows["account.overdue_bills_90d"].fill_null(0.0).to_numpy()
        return 500.0 + 20.0 * pay - 40.0 * late


class FakeFraud:
    """A fraud model: the share of night payments."""

    features_ = ("account.night_share_30d",)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return np.nan_to_num(x[:, 0], nan=0.0)


ROWS = [
    # person, account, event, payments_30d, overdue_90d, night_share, current revolving limit
    ("p1", "a1", "e1", 12.0, 0.0, 0.05, 8000.0),
    ("p2", "a2", "e2", 3.0, 2.0, 0.95, 5000.0),
    ("p3", "a3", "e3", 8.0, 0.0, 0.10, None),
    ("p4", "a4", "e4", None, None, None, None),
    ("p5", "a5", "e5", 10.0, 1.0, float("nan"), 20000.0),
]


def _expected(row: tuple[Any, ...]) -> tuple[float, float, str, str | None]:
    _, _, _, pay, late, night, limit = row
    score = 500.0 + 20.0 * (pay or 0.0) - 40.0 * (late or 0.0)
    fraud = 0.0 if night is None or math.isnan(night) else night
    band = BandTable.default().band_for(score)
    revolving = float(band.limits[Product.REVOLVING])
    action = recommend(RescorePolicy(), revolving, fraud, math.nan if limit is None else limit)
    return score, fraud, band.name, action


@pytest.fixture(scope="module")
def scored(spark: Any) -> dict[str, Any]:
    schema = (
        "person_id string, account_id string, event_id string, `account.payments_30d` double, "
        "`account.overdue_bills_90d` double, `account.night_share_30d` double"
    )
    rows = spark.createDataFrame([r[:6] for r in ROWS], schema)
    lines = spark.createDataFrame(
        [(r[0], r[6]) for r in ROWS if r[6] is not None], "owner_id string, credit_limit double"
    )
    out = rescore(rows, FakeCard(), FakeFraud(), BandTable.default(), lines).collect()
    return {r["person_id"]: r for r in out}


def test_scores_bands_and_actions_equal_row_by_row(scored: dict[str, Any]) -> None:
    assert set(scored) == {r[0] for r in ROWS}
    for row in ROWS:
        score, fraud, band, action = _expected(row)
        got = scored[row[0]]
        assert got["credit_score"] == pytest.approx(score)
        assert got["fraud_score"] == pytest.approx(fraud)
        assert (got["band"], got["action"]) == (band, action)
    assert {r["action"] for r in scored.values()} >= {"freeze", "cut_limit", "open_line"}


def test_scoring_row_is_the_newest_event_naming_an_account(spark: Any) -> None:
    keys = spark.createDataFrame(
        [(0, "p1", "a1"), (1, "p1", "a1"), (2, "p1", None), (3, "p2", None)],
        "idx long, k_person string, k_account string",
    )
    feats = spark.createDataFrame(
        [(i, f"e{i}", float(i)) for i in range(4)], "idx long, event_id string, `x.f` double"
    )
    got = {r["person_id"]: r["event_id"] for r in scoring_rows(feats, keys).collect()}
    assert got == {"p1": "e1", "p2": "e3"}


def test_bulk_write_is_one_idempotent_run(
    spark: Any, tmp_path: Path, scored: Any, db_url: str
) -> None:
    rows = spark.createDataFrame(list(scored.values()))
    rows.write.mode("overwrite").parquet(str(tmp_path / "res"))
    url = db_url
    at = datetime(2026, 3, 1, tzinfo=UTC)
    assert write_results(url, tmp_path / "res", "run-1", at) == len(ROWS)
    assert write_results(url, tmp_path / "res", "run-1", at) == len(ROWS)  # replaces the run
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(RESULTS)).all()
    engine.dispose()
    assert len(stored) == len(ROWS)
    by_person = {r.person_id: r for r in stored}
    assert by_person["p3"].current_limit is None and by_person["p2"].action == "freeze"
