"""Bring-your-own history: a generated ledger where mules receive bursts; the model finds them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from riskline.datasets.byo import fraud_features, train_fraud
from riskline.scoring import GbdtModel, MissingColumn


def _ledger(n: int = 4000, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    payers = rng.integers(0, 800, n)
    mule = rng.random(n) < 0.08
    payees = np.where(mule, rng.integers(0, 5, n), rng.integers(5, 300, n))
    amounts = np.where(mule, rng.uniform(400, 900, n), rng.exponential(80, n))
    times = np.sort(rng.uniform(0, 30 * 86_400, n))
    return pl.DataFrame(
        {
            "who": [f"p{p}" for p in payers],
            "to": [f"m{q}" for q in payees],
            "amt": amounts,
            "at": [t0 + timedelta(seconds=float(s)) for s in times],
            "fraud": mule.astype(int),
        }
    )


def test_features_are_past_only_and_named() -> None:
    df = _ledger(200)
    feats, names = fraud_features(df, payer="who", payee="to", amount="amt", time="at")
    assert {"payer_cnt", "payee_c3600", "pair_gap", "payer_degree", "payee_degree"} <= set(names)
    first = feats.group_by("to").agg(pl.col("payee_cnt").min())
    assert first["payee_cnt"].max() == 0  # each payee's earliest row has seen nothing


def test_train_fraud_on_own_history() -> None:
    res = train_fraud(_ledger(), payer="who", payee="to", amount="amt", time="at", label="fraud")
    assert isinstance(res.model, GbdtModel)
    assert res.metrics["auc"] > 0.9
    assert res.data_window[0] < res.data_window[1]


def test_missing_mapping_column_is_clear() -> None:
    with pytest.raises(MissingColumn, match="'payer_id'"):
        fraud_features(_ledger(10), payer="payer_id", payee="to", amount="amt", time="at")
