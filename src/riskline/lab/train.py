"""One lab run: prepare a user's table, split it, train a scorecard or LightGBM, measure it on
raw scores, register it with everything needed to score a new file the same way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from riskline.errors import InvalidInput
from riskline.lab.prepare import (
    Prepared,
    PrepareSpec,
    drop_in_training,
    normalize,
    prepare,
    resolve_target,
    spec_extra,
)
from riskline.lab.run import CalibrationBin, Dropped, LabRun
from riskline.lab.split import Split, split_rows
from riskline.scoring.gbdt import DEFAULT_PARAMS, GbdtModel
from riskline.scoring.metrics import binary_metrics, psi
from riskline.scoring.registry import ModelRegistry
from riskline.scoring.scorecard import PointsScale, Scorecard
from riskline.scoring.train import category_codes, feature_matrix

__all__ = ["ALGOS", "LabOptions", "calibration_deciles", "parse_monotone", "run_lab"]

ALGOS = ("scorecard", "lightgbm")


@dataclass(frozen=True, slots=True)
class LabOptions:
    """What to train and how to split: the options of ``riskline train scorecard|credit``."""

    spec: PrepareSpec
    algo: str = "scorecard"
    split: str | None = None  # None: time with a time column, else stratified
    seed: int = 42
    test_size: float = 0.3
    scale: PointsScale = field(default_factory=PointsScale)
    monotone: Mapping[str, int] = field(default_factory=dict)
    name: str | None = None
    min_iv: float = 0.02


def parse_monotone(text: str | None) -> dict[str, int]:
    """``col:+1,col2:-1`` as LightGBM monotone constraints (+1 = risk rises with the value).

    >>> parse_monotone("age:-1, utilization:+1")
    {'age': -1, 'utilization': 1}
    """
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        col, _, sign = part.rpartition(":")
        if not col or sign not in ("+1", "1", "-1", "0"):
            raise InvalidInput(f"--monotone takes COLUMN:+1 or COLUMN:-1, got {part!r}")
        out[col] = int(sign)
    return out


def _test_frame(test_df: pl.DataFrame, prepared: Prepared) -> tuple[pl.DataFrame, NDArray[Any]]:
    column = prepared.target.column
    missing = [c for c in (column, *prepared.features) if c not in test_df.columns]
    if missing:
        raise InvalidInput(f"the --test file lacks column(s) {missing} of the training file")
    y, _ = resolve_target(test_df, column, prepared.target.bad_value)
    return normalize(test_df.select(prepared.features), prepared.categorical), y


def _slices(
    prepared: Prepared, options: LabOptions, test_df: pl.DataFrame | None, test_name: str
) -> tuple[pl.DataFrame, NDArray[Any], pl.DataFrame, NDArray[Any], str]:
    if test_df is not None:
        x_test, y_test = _test_frame(test_df, prepared)
        desc = f"test file {test_name} ({test_df.height} rows); the whole training file trains"
        return prepared.x, prepared.y, x_test, y_test, desc
    how = options.split or ("time" if prepared.times is not None else "stratified")
    s: Split = split_rows(
        prepared.y, how, seed=options.seed, test_size=options.test_size, times=prepared.times
    )
    x, y = prepared.x, prepared.y
    return x[s.train], y[s.train], x[s.test], y[s.test], s.description


def calibration_deciles(p: NDArray[np.float64], y: NDArray[Any]) -> tuple[CalibrationBin, ...]:
    """Mean predicted vs observed bad rate in each tenth of rows ordered by ``p``.

    >>> bins = calibration_deciles(np.arange(20) / 20, np.array([0] * 10 + [1] * 10))
    >>> [(b.count, b.observed) for b in bins][::9]
    [(2, 0.0), (2, 1.0)]
    """
    order = np.argsort(p, kind="stable")
    yt = np.asarray(y, dtype=np.float64)
    return tuple(
        CalibrationBin(i + 1, int(part.size), float(p[part].mean()), float(yt[part].mean()))
        for i, part in enumerate(np.array_split(order, 10))
        if part.size
    )


def _fit_scorecard(
    x: pl.DataFrame, y: NDArray[Any], prepared: Prepared, options: LabOptions
) -> tuple[Scorecard, list[Dropped]]:
    card = Scorecard(
        options.scale,
        categorical=prepared.categorical,
        special_codes=options.spec.special_codes,
        min_iv=options.min_iv,
    ).fit(x, y)
    dropped = [
        Dropped(c, f"cannot be binned in the training slice: {why}")
        for c, why in card.failed_.items()
    ]
    dropped += [
        Dropped(c, f"IV {iv:.4f} < {options.min_iv:g}")
        for c, iv in card.iv_.items()
        if c not in card.bins_
    ]
    return card, dropped


def _fit_lightgbm(
    x: pl.DataFrame, y: NDArray[Any], prepared: Prepared, options: LabOptions
) -> GbdtModel:
    from sklearn.model_selection import train_test_split  # type: ignore[import-untyped]

    feats = list(x.columns)
    unknown = [c for c in options.monotone if c not in feats or c in prepared.categorical]
    if unknown:
        raise InvalidInput(f"--monotone names {unknown}, not numeric features of the model {feats}")
    cats = [c for c in prepared.categorical if c in feats]
    codes = {c: category_codes(x[c]) for c in cats}
    params: dict[str, Any] = dict(DEFAULT_PARAMS)
    if options.monotone:
        params["monotone_constraints"] = [options.monotone.get(c, 0) for c in feats]
    fit_rows, cal_rows = train_test_split(
        np.arange(x.height), test_size=0.2, random_state=options.seed, stratify=y
    )
    m = feature_matrix(x, feats, codes)
    model = GbdtModel(params, pos_weight=1.0, categorical=cats)
    return model.fit(
        m[fit_rows],
        y[fit_rows],
        features=feats,
        calib_x=m[cal_rows],
        calib_y=y[cal_rows],
        category_codes=codes,
    )


def raw_score(model: Scorecard | GbdtModel, x: pl.DataFrame) -> NDArray[np.float64]:
    """Higher = riskier: a scorecard's log-odds of bad, LightGBM's margin."""
    if isinstance(model, Scorecard):
        return model.log_odds(x)
    return model.margin(feature_matrix(x, model.features_, model.category_codes_))


def probability(model: Scorecard | GbdtModel, x: pl.DataFrame) -> NDArray[np.float64]:
    """Calibrated probability of bad (the scorecard's logistic output, LightGBM's calibrator)."""
    if isinstance(model, Scorecard):
        return model.predict_proba(x)
    return model.predict_proba(feature_matrix(x, model.features_, model.category_codes_))


def _metrics(
    y_tr: NDArray[Any],
    raw_tr: NDArray[np.float64],
    y_te: NDArray[Any],
    raw_te: NDArray[np.float64],
    p_te: NDArray[np.float64],
) -> dict[str, float]:
    from sklearn.metrics import average_precision_score  # type: ignore[import-untyped]

    test = binary_metrics(y_te, raw_te)
    return {
        "auc": test.auc,
        "ks": test.ks,
        "gini": test.gini,
        "average_precision": float(average_precision_score(y_te, raw_te)),
        "train_auc": binary_metrics(y_tr, raw_tr).auc,
        "psi": psi(raw_tr, raw_te),
        "brier": float(np.mean((p_te - y_te) ** 2)),
        "n_train": float(y_tr.size),
        "bad_train": float(y_tr.sum()),
        "n_test": float(y_te.size),
        "bad_test": float(y_te.sum()),
    }


def run_lab(
    df: pl.DataFrame,
    options: LabOptions,
    registry: ModelRegistry,
    *,
    source: str,
    test_df: pl.DataFrame | None = None,
    test_name: str = "",
) -> LabRun:
    """Prepare, split, train, measure on raw scores and register; the run, for the report."""
    if options.algo not in ALGOS:
        raise InvalidInput(f"unknown --algo {options.algo!r}; use {' or '.join(ALGOS)}")
    prepared = prepare(df, options.spec)
    x_tr, y_tr, x_te, y_te, split_desc = _slices(prepared, options, test_df, test_name)
    for part, yy in (("training", y_tr), ("test", y_te)):
        if yy.sum() == 0 or yy.sum() == yy.size:
            raise InvalidInput(f"the {part} slice holds one class only; use --split stratified")
    kept, dropped = drop_in_training(x_tr)
    if not kept:
        raise InvalidInput("every feature is empty or constant in the training slice")
    model: Scorecard | GbdtModel
    iv: dict[str, float] = {}
    if options.algo == "scorecard":
        model, more = _fit_scorecard(x_tr.select(kept), y_tr, prepared, options)
        dropped += more
        features, iv = model.features, dict(model.iv_)
    else:
        model = _fit_lightgbm(x_tr.select(kept), y_tr, prepared, options)
        features = model.features_
    raw_tr, raw_te = raw_score(model, x_tr), raw_score(model, x_te)
    p_te = probability(model, x_te)
    metrics = _metrics(y_tr, raw_tr, y_te, raw_te, p_te)
    all_dropped = (*prepared.dropped, *dropped)
    name = options.name or ("scorecard" if options.algo == "scorecard" else "credit-lightgbm")
    times = prepared.times
    window = (
        (str(times.min()), str(times.max())) if times is not None else ("row 1", f"row {df.height}")
    )
    extra = {
        **spec_extra(options.spec, prepared),
        "dropped": [[d.column, d.reason] for d in all_dropped],
        "algo": options.algo,
        "split": split_desc,
        "source": source,
        "scale": {
            "pdo": options.scale.pdo,
            "base_score": options.scale.base_score,
            "base_odds": options.scale.base_odds,
        },
        "iv": iv,
        "monotone": dict(options.monotone),
    }
    meta = registry.register(
        name,
        model,
        kind=options.algo,
        features=features,
        data_window=window,
        metrics=metrics,
        extra=extra,
    )
    return LabRun(
        name=name,
        version=meta.version,
        kind=options.algo,
        model=model,
        source=source,
        target=prepared.target.column,
        bad_value=prepared.target.bad_value,
        split=split_desc,
        features=tuple(features),
        categorical=tuple(c for c in prepared.categorical if c in features),
        special_codes=options.spec.special_codes,
        dropped=tuple(all_dropped),
        x_train=x_tr.select(features),
        y_train=y_tr,
        x_test=x_te.select(features),
        y_test=y_te,
        raw_train=raw_tr,
        raw_test=raw_te,
        metrics=metrics,
        model_dir=registry.root / name / meta.version,
        target_note=prepared.target.describe(),
        time_column=options.spec.time_col,
        iv=iv,
        calibration=calibration_deciles(p_te, y_te),
        proba_test=p_te,
    )
