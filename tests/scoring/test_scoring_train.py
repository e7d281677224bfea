"""Bring-your-own-history training: clear errors, and a working model on a good frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from riskline.errors import InvalidInput
from riskline.scoring import (
    GbdtModel,
    MissingColumn,
    NonBinaryTarget,
    Scorecard,
    TooFewPositives,
    read_history,
    train_from_frame,
)


def _history(n: int = 3000, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    amount = rng.exponential(100, n)
    channel = rng.choice(["app", "web", "pos"], n)
    logit = -3 + amount / 100 + np.where(channel == "web", 1.0, 0.0)
    label = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pl.DataFrame({"ts": np.arange(n), "amount": amount, "channel": channel, "y": label})


def test_missing_column_non_binary_and_too_few_positives() -> None:
    df = _history()
    with pytest.raises(MissingColumn, match="'velocity'"):
        train_from_frame(df, "y", "ts", ["amount", "velocity"])
    with pytest.raises(NonBinaryTarget, match="0/1"):
        train_from_frame(df.with_columns(pl.col("y") * 2), "y", "ts", ["amount"])
    few = df.with_columns(pl.when(pl.col("ts") < 5).then(1).otherwise(0).alias("y"))
    with pytest.raises(TooFewPositives, match="5 positives"):
        train_from_frame(few, "y", "ts", ["amount"])
    assert issubclass(TooFewPositives, InvalidInput)


def test_train_gbdt_with_categorical_and_score_by_name() -> None:
    res = train_from_frame(_history(), "y", "ts", ["amount", "channel"], categorical=["channel"])
    assert isinstance(res.model, GbdtModel)
    assert res.metrics["auc"] > 0.7
    assert res.data_window == ("0", "2999")
    web = res.model.score_row({"amount": 150.0, "channel": "web"})
    app = res.model.score_row({"amount": 150.0, "channel": "app"})
    assert web > app


def test_train_scorecard_from_csv_with_mapping(tmp_path: Path) -> None:
    path = tmp_path / "hist.csv"
    _history().rename({"y": "bad_flag", "ts": "when"}).write_csv(path)
    df = read_history(path, {"bad_flag": "y", "when": "ts"})
    res = train_from_frame(df, "y", "ts", ["amount"], kind="scorecard")
    assert isinstance(res.model, Scorecard)
    assert res.metrics["auc"] > 0.7
    assert "psi" in res.metrics
    with pytest.raises(MissingColumn, match="nope"):
        read_history(path, {"nope": "y"})


@pytest.mark.parametrize("kind", ["gbdt", "scorecard"])
def test_text_feature_not_declared_categorical_is_clear(kind: str) -> None:
    with pytest.raises(InvalidInput, match="categorical"):
        train_from_frame(_history(), "y", "ts", ["amount", "channel"], kind=kind)
