"""Credit default data sets (Taiwan UCI, Give Me Some Credit): scorecard and LightGBM.

Neither file has a time column, so both use a stratified random split: 70% train, 30% test,
seed 42. LightGBM keeps 15% of the training part aside to pick the number of boosting rounds
(early stopping); the test part is touched once, for the reported figures.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from riskline.datasets.paths import data_dir, read_csv_in_place
from riskline.datasets.result import EvalResult
from riskline.scoring.gbdt import DEFAULT_PARAMS, GbdtModel
from riskline.scoring.metrics import binary_metrics
from riskline.scoring.scorecard import Scorecard

__all__ = [
    "GMSC_FILE",
    "TAIWAN_FILE",
    "evaluate_credit",
    "load_give_me_some_credit",
    "load_taiwan",
    "stratified_split",
]

TAIWAN_FILE = "taiwan_default_UCI_Credit_Card.csv"
GMSC_FILE = "give_me_some_credit_cs-training.csv.zip"
SPLIT = "stratified random (no time column): 70% train, 30% test, seed 42"


def stratified_split(
    y: NDArray[np.int64], test_frac: float, seed: int
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Train and test indices keeping the positive rate equal in both.

    >>> tr, te = stratified_split(np.array([0] * 8 + [1] * 2), 0.5, 0)
    >>> len(tr), len(te), int(np.array([0] * 8 + [1] * 2)[te].sum())
    (5, 5, 1)
    """
    rng = np.random.default_rng(seed)
    train: list[NDArray[np.intp]] = []
    test: list[NDArray[np.intp]] = []
    for cls in (0, 1):
        idx = rng.permutation(np.flatnonzero(y == cls))
        cut = round(idx.size * test_frac)
        test.append(idx[:cut])
        train.append(idx[cut:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def load_taiwan(directory: Path | None = None) -> tuple[pl.DataFrame, NDArray[np.int64]]:
    """Taiwan default features X1..X23 plus derived ratios, and the default flag ``Y``."""
    raw = read_csv_in_place(data_dir(directory), TAIWAN_FILE, all_strings=True)
    df = raw.select(pl.all().cast(pl.Float64))  # the file mixes plain and 1.00E+05 notation
    limit = pl.col("X1")
    bills, pays, status = (
        [f"X{i}" for i in range(12, 18)],
        [f"X{i}" for i in range(18, 24)],
        [f"X{i}" for i in range(6, 12)],
    )
    derived = df.with_columns(
        (pl.col("X12") / limit).alias("util_1"),
        (pl.mean_horizontal(bills) / limit).alias("util_avg"),
        (pl.col("X18") / (pl.col("X13").abs() + 1.0)).alias("paid_share_1"),
        (pl.sum_horizontal(pays) / (pl.sum_horizontal(bills).abs() + 1.0)).alias("paid_share_6"),
        pl.max_horizontal(status).alias("worst_status"),
        pl.sum_horizontal([(pl.col(c) > 0).cast(pl.Int64) for c in status]).alias("months_late"),
    )
    y = derived["Y"].cast(pl.Int64).to_numpy()
    return derived.drop("ID", "Y"), y


def load_give_me_some_credit(
    directory: Path | None = None,
) -> tuple[pl.DataFrame, NDArray[np.int64]]:
    """Give Me Some Credit training features (missing kept as null) and ``SeriousDlqin2yrs``."""
    raw = read_csv_in_place(data_dir(directory), GMSC_FILE, all_strings=True)
    df = raw.drop(raw.columns[0]).with_columns(
        pl.all().replace("NA", None).cast(pl.Float64, strict=False)
    )
    y = df["SeriousDlqin2yrs"].cast(pl.Int64).to_numpy()
    return df.drop("SeriousDlqin2yrs"), y


def _gbdt(x: NDArray[np.float64], y: NDArray[np.int64], names: Sequence[str]) -> GbdtModel:
    """Fit with early stopping on an inner 15% slice, then refit on all of ``x``."""
    import lightgbm as lgb

    inner_tr, inner_va = stratified_split(y, 0.15, 7)
    params: dict[str, Any] = {**DEFAULT_PARAMS, "learning_rate": 0.05, "num_leaves": 15}
    params["min_data_in_leaf"] = 100
    booster = lgb.train(
        params,
        lgb.Dataset(x[inner_tr], y[inner_tr]),
        num_boost_round=3000,
        valid_sets=[lgb.Dataset(x[inner_va], y[inner_va])],
        callbacks=[lgb.early_stopping(100, verbose=False)],
    )
    model = GbdtModel(params, num_boost_round=booster.best_iteration, pos_weight=1.0)
    return model.fit(x, y, features=names)


def evaluate_credit(
    name: str, df: pl.DataFrame, y: NDArray[np.int64], *, categorical: Sequence[str] = ()
) -> list[EvalResult]:
    """Scorecard and LightGBM figures on the 70/30 stratified split of one credit data set."""
    train, test = stratified_split(y, 0.3, 42)
    results = []
    start = time.perf_counter()
    base = [c for c in df.columns if c.startswith("X")] if name.startswith("Taiwan") else None
    card_df = df.select(base) if base else df
    card = Scorecard(categorical=categorical).fit(card_df[train], y[train])
    report = card.report(card_df[train], y[train], card_df[test], y[test])
    metrics = {**report.test.as_dict(), "psi_train_test": report.psi}
    results.append(
        _result(name, "WoE scorecard (optbinning + logistic)", metrics, train, test, start)
    )
    start = time.perf_counter()
    x = df.to_numpy().astype(np.float64)
    model = _gbdt(x[train], y[train], df.columns)
    metrics = binary_metrics(y[test], model.margin(x[test])).as_dict()
    results.append(_result(name, "LightGBM (early-stopped rounds)", metrics, train, test, start))
    return results


def _result(
    name: str,
    model: str,
    metrics: dict[str, float],
    train: NDArray[np.intp],
    test: NDArray[np.intp],
    start: float,
) -> EvalResult:
    return EvalResult(
        dataset=name,
        model=model,
        split=SPLIT,
        metrics=metrics,
        n_train=int(train.size),
        n_test=int(test.size),
        seconds=time.perf_counter() - start,
    )
