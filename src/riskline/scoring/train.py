"""Bring your own history: validate a labeled frame, split by time, train and evaluate a model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from numpy.typing import NDArray

from riskline.errors import InvalidInput
from riskline.scoring.errors import MissingColumn, NonBinaryTarget, TooFewPositives
from riskline.scoring.gbdt import GbdtModel
from riskline.scoring.metrics import binary_metrics
from riskline.scoring.scorecard import Scorecard
from riskline.scoring.splits import time_split
from riskline.scoring.tabular import read_table

__all__ = ["TrainResult", "category_codes", "feature_matrix", "read_history", "train_from_frame"]


@dataclass(frozen=True, slots=True)
class TrainResult:
    """A trained model with the figures and window the registry records."""

    model: Scorecard | GbdtModel
    kind: str
    features: tuple[str, ...]
    data_window: tuple[str, str]
    metrics: Mapping[str, float]


def read_history(
    path: Path,
    mapping: Mapping[str, str] | None = None,
    *,
    sep: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> pl.DataFrame:
    """Read a table (:func:`~riskline.scoring.tabular.read_table`: CSV/TSV sniffed, Parquet,
    Excel, zip), renaming user columns to ours with ``mapping`` (theirs → ours)."""
    path = Path(path)
    df = read_table(path, sep=sep, encoding=encoding, sheet=sheet)
    if mapping:
        missing = [c for c in mapping if c not in df.columns]
        if missing:
            raise MissingColumn(f"column(s) {missing} named in the mapping are not in {path.name}")
        df = df.rename(dict(mapping))
    return df


def _validate(df: pl.DataFrame, target: str, needed: Sequence[str], min_positives: int) -> None:
    missing = [c for c in (target, *needed) if c not in df.columns]
    if missing:
        raise MissingColumn(f"missing column(s) {missing}; have {df.columns}")
    values = set(df[target].drop_nulls().unique().to_list())
    if df[target].null_count() or not values <= {0, 1}:
        shown = sorted(map(str, values))[:5]
        raise NonBinaryTarget(f"target {target!r} must be 0/1 without nulls; found {shown}")
    pos = int(df[target].cast(pl.Int64).sum())
    if min(pos, df.height - pos) < min_positives:
        raise TooFewPositives(
            f"target {target!r} has {pos} positives and {df.height - pos} negatives; "
            f"need at least {min_positives} of each"
        )


def train_from_frame(
    df: pl.DataFrame,
    target: str,
    time_col: str,
    feature_cols: Sequence[str],
    *,
    kind: str = "gbdt",
    categorical: Sequence[str] = (),
    min_positives: int = 30,
) -> TrainResult:
    """Train ``kind`` ("scorecard" or "gbdt") on the earliest 60%, test on the newest 20-40%.

    GBDT calibrates on the middle 20% slice; the scorecard trains on the oldest 70%.
    """
    _validate(df, target, [time_col, *feature_cols], min_positives)
    y = df[target].cast(pl.Int64).to_numpy()
    times = df[time_col].to_physical().to_numpy()
    window = (str(df[time_col].min()), str(df[time_col].max()))
    feats = list(feature_cols)
    if kind == "scorecard":
        tr, te = time_split(times, [0.7, 0.3])
        card = Scorecard(categorical=categorical).fit(df[tr].select(feats), y[tr])
        report = card.report(df[tr].select(feats), y[tr], df[te].select(feats), y[te])
        metrics = {**report.test.as_dict(), "psi": report.psi}
        return TrainResult(card, kind, card.features, window, metrics)
    if kind != "gbdt":
        raise InvalidInput(f"unknown model kind {kind!r}; use 'scorecard' or 'gbdt'")
    tr, ca, te = time_split(times, [0.6, 0.2, 0.2])
    codes = {c: category_codes(df[c]) for c in categorical}
    x = feature_matrix(df, feats, codes)
    model = GbdtModel(categorical=categorical)
    model.fit(x[tr], y[tr], features=feats, calib_x=x[ca], calib_y=y[ca], category_codes=codes)
    metrics = binary_metrics(y[te], model.predict_proba(x[te])).as_dict()
    return TrainResult(model, kind, tuple(feats), window, metrics)


def category_codes(values: pl.Series) -> dict[str, int]:
    """Stable integer code of each distinct value (sorted as text), for LightGBM categoricals.

    >>> category_codes(pl.Series(["b", "a", "b"]))
    {'a': 0, 'b': 1}
    """
    return {v: i for i, v in enumerate(values.cast(pl.String).drop_nulls().unique().sort())}


def feature_matrix(
    df: pl.DataFrame, feats: Sequence[str], codes: Mapping[str, Mapping[str, int]]
) -> NDArray[np.float64]:
    """The float matrix LightGBM reads: ``codes`` turn categorical columns into integers
    (unseen values missing); other columns must be numeric."""
    cols = [
        pl.col(c)
        .cast(pl.String)
        .replace_strict(dict(codes[c]), default=None, return_dtype=pl.Float64)
        if c in codes
        else pl.col(c).cast(pl.Float64)
        for c in feats
    ]
    text = [c for c in feats if c not in codes and not _numeric(df.schema[c])]
    if text:
        raise InvalidInput(f"feature(s) {text} are not numeric; list them as categorical")
    return df.select(cols).to_numpy().astype(np.float64)


def _numeric(dtype: pl.DataType) -> bool:
    return dtype.is_numeric() or dtype == pl.Boolean
