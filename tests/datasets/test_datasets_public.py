"""Public data sets: the issue's "must show" figures. Skipped when the data folder is absent.

Each test reads one file in place from ``RISKLINE_DATA_DIR`` (default ``<repo>/../shared/data``)
and runs the full documented evaluation (no subsampling; each is ≲ 60 s on 2 cores).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from riskline.datasets import (
    data_dir,
    evaluate_credit,
    evaluate_paysim,
    evaluate_sffsd,
    load_give_me_some_credit,
    load_sffsd,
    load_taiwan,
)

pytestmark = pytest.mark.data


def _need(filename: str) -> Path:
    d = data_dir()
    if not (d / filename).is_file():
        pytest.skip(f"{filename} not in {d}; set RISKLINE_DATA_DIR to the public data folder")
    return d


def test_sffsd_temporal_auc_at_least_087() -> None:
    d = _need("S-FFSD.zip")
    raw = load_sffsd(d)
    assert raw.height == 77_881
    result = evaluate_sffsd(d)
    labeled = 5_256 + 24_387
    assert result.n_train + result.n_test == labeled
    assert result.n_train == pytest.approx(0.6 * labeled, abs=2)
    assert result.metrics["auc"] >= 0.87


def test_paysim_transfer_cash_out() -> None:
    d = _need("paysim_sample.csv")
    result = evaluate_paysim(d)
    assert result.metrics["positives"] > 100
    assert result.metrics["auc"] >= 0.99  # the simulator's balance book-keeping gives it away
    assert result.metrics["recall_at_1pct_fpr"] >= 0.9
    blind = evaluate_paysim(d, balances=False)
    assert blind.metrics["auc"] >= 0.8
    assert blind.metrics["recall_at_1pct_fpr"] >= 0.25


def test_taiwan_default_best_model_and_scorecard() -> None:
    d = _need("taiwan_default_UCI_Credit_Card.csv")
    df, y = load_taiwan(d)
    assert (len(y), int(y.sum())) == (30_000, 6_636)
    card, gbdt = evaluate_credit("Taiwan default", df, y, categorical=["X2", "X3", "X4"])
    assert gbdt.metrics["auc"] >= 0.78
    assert gbdt.metrics["ks"] >= 0.42
    assert card.metrics["auc"] >= 0.74  # published scorecards ≈ 0.745
    assert card.metrics["psi_train_test"] < 0.1


def test_give_me_some_credit_auc_at_least_086() -> None:
    d = _need("give_me_some_credit_cs-training.csv.zip")
    df, y = load_give_me_some_credit(d)
    assert (len(y), int(y.sum())) == (150_000, 10_026)
    card, gbdt = evaluate_credit("Give Me Some Credit", df, y)
    assert gbdt.metrics["auc"] >= 0.86
    assert card.metrics["auc"] >= 0.84
