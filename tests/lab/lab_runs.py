"""Small registered models and their :class:`LabRun`, built from generated credit data.

The report and monitoring tests use these instead of the lab's training path, so they test
the report side on its own: a scorecard or a LightGBM model fitted on a synthetic table with a
numeric, a partly missing and a categorical feature, stratified 70/30 split, registered in a
temporary registry.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from riskline.lab import Dropped, LabRun
from riskline.lab.profile import raw_scores
from riskline.scoring import GbdtModel, ModelRegistry, Scorecard, binary_metrics

FEATURES = ("age", "utilization", "income", "housing")


def credit_table(n: int = 1500, seed: int = 3, shift: float = 0.0) -> pl.DataFrame:
    """Applicants with a 0/1 ``bad`` target; ``shift`` moves utilization up (a new period)."""
    rng = np.random.default_rng(seed)
    age = rng.integers(20, 70, n).astype(np.float64)
    util = np.clip(rng.beta(2, 3, n) + shift, 0, 1.5)
    income = rng.lognormal(8, 0.5, n)
    housing = rng.choice(["own", "rent", "free"], n, p=[0.5, 0.4, 0.1])
    logit = -1.2 - 0.04 * (age - 40) + 2.5 * (util - 0.4) + 0.5 * (housing == "rent")
    bad = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    income_col = [None if rng.random() < 0.1 else float(v) for v in income]
    housing_col = [None if rng.random() < 0.05 else str(v) for v in housing]
    return pl.DataFrame(
        {
            "id": np.arange(n),
            "age": age,
            "utilization": util,
            "income": income_col,
            "housing": housing_col,
            "noise": rng.normal(size=n),
            "bad": bad,
        }
    )


def _split(df: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    from sklearn.model_selection import train_test_split  # type: ignore[import-untyped]

    idx = np.arange(df.height)
    tr, te = train_test_split(idx, test_size=0.3, random_state=42, stratify=df["bad"].to_numpy())
    return df[np.sort(tr)], df[np.sort(te)]


def lab_run(root: Path, kind: str = "scorecard", df: pl.DataFrame | None = None) -> LabRun:
    """Fit, register under ``root`` and describe one model of ``kind`` (scorecard|lightgbm)."""
    train, test = _split(credit_table() if df is None else df)
    cols = [*FEATURES, "noise"]
    x_train, x_test = train.select(cols), test.select(cols)
    y_train, y_test = train["bad"].to_numpy(), test["bad"].to_numpy()
    model: Scorecard | GbdtModel
    if kind == "scorecard":
        model = Scorecard(categorical=["housing"]).fit(x_train, y_train)
    else:
        codes = {"housing": {"free": 0, "own": 1, "rent": 2}}
        matrix = x_train.select(FEATURES).with_columns(
            pl.col("housing").replace_strict(codes["housing"], return_dtype=pl.Float64)
        )
        params = {"objective": "binary", "num_leaves": 7, "verbose": -1, "num_threads": 1}
        model = GbdtModel(params, num_boost_round=40, pos_weight=1.0, categorical=["housing"])
        model.fit(matrix.to_numpy(), y_train, features=FEATURES, category_codes=codes)
    features = model.features if isinstance(model, Scorecard) else FEATURES
    raw_train, raw_test = raw_scores(model, x_train), raw_scores(model, x_test)
    metrics = binary_metrics(y_test, raw_test).as_dict()
    registry = ModelRegistry(root)
    name = "credit" if kind == "scorecard" else "credit-lightgbm"
    meta = registry.register(
        name,
        model,
        kind=kind,
        features=features,
        data_window=("", ""),
        metrics=metrics,
        extra={"categorical": ["housing"]},  # as the lab records it, for scoring new files
    )
    dropped = [Dropped("id", "id-like: unique on every row")]
    dropped += [Dropped(c, "IV below 0.02") for c in cols if c not in features]
    return LabRun(
        name=name,
        version=meta.version,
        kind=kind,
        model=model,
        source="credit.csv",
        target="bad",
        bad_value="1",
        split="stratified, test 30 %, seed 42 (scikit-learn train_test_split)",
        features=tuple(features),
        categorical=("housing",),
        special_codes=(),
        dropped=tuple(dropped),
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        raw_train=raw_train,
        raw_test=raw_test,
        metrics=metrics,
        model_dir=root / name / meta.version,
    )
