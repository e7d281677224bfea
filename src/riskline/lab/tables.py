"""The numbers of a model's report: feature selection, binning, score bands, metrics, PSI.

Pure computations on a :class:`~riskline.lab.run.LabRun`; :mod:`riskline.lab.report` lays them
out and draws them. Counts are ``int``; rates and shares are fractions (0.12, not 12).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from riskline.lab.profile import Bins, is_categorical, psi, quantile_bins, to_score
from riskline.lab.run import LabRun
from riskline.scoring.metrics import auc, ks
from riskline.scoring.scorecard import Scorecard

__all__ = [
    "BandRow",
    "BinRow",
    "FeatureBins",
    "FeatureRow",
    "SampleMetrics",
    "feature_bins",
    "feature_rows",
    "sample_metrics",
    "score_bands",
]


@dataclass(frozen=True, slots=True)
class SampleMetrics:
    """Discrimination of the raw score on one sample, with its integer counts."""

    rows: int
    bads: int
    bad_rate: float
    auc: float
    ks: float
    gini: float
    ap: float


def sample_metrics(y: NDArray[np.int_], raw: NDArray[np.float64]) -> SampleMetrics:
    """AUC, KS, Gini and average precision of ``raw`` (higher = riskier) against ``y``.

    >>> m = sample_metrics(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]))
    >>> (m.rows, m.bads, m.auc, round(m.gini, 2))
    (4, 2, 0.75, 0.5)
    """
    from sklearn.metrics import average_precision_score  # type: ignore[import-untyped]

    a = auc(y, raw)
    bads = int(np.sum(y))
    return SampleMetrics(
        rows=int(y.size),
        bads=bads,
        bad_rate=bads / y.size,
        auc=a,
        ks=ks(y, raw),
        gini=2 * a - 1,
        ap=float(average_precision_score(y, raw)),
    )


@dataclass(frozen=True, slots=True)
class BinRow:
    """One bin of a feature on the training sample."""

    label: str
    count: int
    share: float
    bads: int
    bad_rate: float
    woe: float
    iv: float
    points: float | None


@dataclass(frozen=True, slots=True)
class FeatureBins:
    """A feature's bins, its binning table on train, its IV and its CSI train vs test."""

    name: str
    bins: Bins
    rows: tuple[BinRow, ...]
    iv: float
    csi: float
    train: tuple[float, ...]
    test: tuple[float, ...]
    from_model: bool  # the scorecard's own bins and WoE, or deciles/categories for display

    def woe_of(self, values: pl.Series) -> NDArray[np.float64]:
        """The WoE of each value's bin."""
        return np.asarray([r.woe for r in self.rows], dtype=np.float64)[self.bins.index(values)]


def _model_bins(run: LabRun, name: str) -> tuple[Bins, tuple[float, ...], list[float]] | None:
    """The scorecard's bins of ``name`` with their WoE and points, when it has them."""
    model = run.model
    if not isinstance(model, Scorecard) or name not in model.bins_:
        return None
    vb = model.bins_[name]
    bins = Bins(vb.kind, edges=vb.splits, groups=vb.categories)
    if bins.size != len(vb.woe):
        return None
    points = [p.points for p in model.points_table() if p.variable == name]
    return bins, vb.woe, points


def feature_bins(run: LabRun, name: str) -> FeatureBins:
    """Bins of one column of ``run.x_train``: the scorecard's when it binned it, else deciles
    (special codes apart) or the most frequent categories, with WoE computed on train."""
    y = np.asarray(run.y_train, dtype=np.int_)
    col = run.x_train[name]
    found = _model_bins(run, name)
    if found is None:
        bins = quantile_bins(
            col, categorical=is_categorical(col, run.categorical), special=run.special_codes
        )
    else:
        bins = found[0]
    idx = bins.index(col)
    count = np.bincount(idx, minlength=bins.size)
    bads = np.bincount(idx, weights=y, minlength=bins.size).astype(np.int_)
    goods = count - bads
    total_bad, total_good = max(int(y.sum()), 1), max(int(y.size - y.sum()), 1)
    if found is None:
        woe = np.log(((goods + 0.5) / total_good) / ((bads + 0.5) / total_bad))
        points: list[float | None] = [None] * bins.size
    else:
        woe = np.asarray(found[1], dtype=np.float64)
        points = list(found[2]) if len(found[2]) == bins.size else [None] * bins.size
    ivs = (goods / total_good - bads / total_bad) * woe
    rows = tuple(
        BinRow(
            label=label,
            count=int(count[i]),
            share=float(count[i] / max(col.len(), 1)),
            bads=int(bads[i]),
            bad_rate=float(bads[i] / count[i]) if count[i] else 0.0,
            woe=float(woe[i]),
            iv=float(ivs[i]),
            points=points[i],
        )
        for i, label in enumerate(bins.labels())
    )
    model_iv = run.model.iv_.get(name) if isinstance(run.model, Scorecard) else None
    train = bins.shares(col)
    test = bins.shares(run.x_test[name]) if name in run.x_test.columns else train
    return FeatureBins(
        name=name,
        bins=bins,
        rows=rows,
        iv=float(ivs.sum()) if model_iv is None else float(model_iv),
        csi=psi(train, test),
        train=tuple(map(float, train)),
        test=tuple(map(float, test)),
        from_model=found is not None,
    )


@dataclass(frozen=True, slots=True)
class FeatureRow:
    """One line of the feature selection table."""

    name: str
    iv: float | None
    missing: float | None
    corr: float | None  # largest |correlation| of WoE with a kept feature
    corr_with: str
    status: str  # "kept" or why it was dropped


def _missing_rate(col: pl.Series) -> float:
    nulls = col.null_count()
    if col.dtype.is_float():
        nulls += int(col.is_nan().sum() or 0)
    return nulls / max(col.len(), 1)


def _correlations(woe: dict[str, NDArray[np.float64]]) -> tuple[list[str], NDArray[np.float64]]:
    """Pearson correlation matrix of the columns' WoE (NaN where a column is constant)."""
    names = list(woe)
    if not names:
        return names, np.zeros((0, 0))
    m = np.column_stack([woe[n] for n in names])
    m = m - m.mean(axis=0)
    std = m.std(axis=0)
    z = np.divide(m, std, out=np.full_like(m, np.nan), where=std > 0)
    return names, (z.T @ z) / max(m.shape[0], 1)


def feature_rows(run: LabRun, bins: dict[str, FeatureBins]) -> list[FeatureRow]:
    """Every candidate column: kept features first (by IV), then the dropped ones with why.

    ``bins`` holds the :class:`FeatureBins` of every column of ``run.x_train``.
    """
    woe = {name: fb.woe_of(run.x_train[name]) for name, fb in bins.items()}
    kept = [f for f in run.features if f in woe]
    reasons = {d.column: d.reason for d in run.dropped}
    names = [*run.features, *[c for c in run.x_train.columns if c not in run.features]]
    names += [d.column for d in run.dropped if d.column not in names]
    order, corr = _correlations(woe)
    at = {n: i for i, n in enumerate(order)}
    out = []
    for name in names:
        best, best_with = None, ""
        for other in kept:
            c = float(corr[at[name], at[other]]) if name in at and other != name else math.nan
            if math.isfinite(c) and (best is None or abs(c) > abs(best)):
                best, best_with = c, other
        status = "kept" if name in run.features else reasons.get(name, "not used by the model")
        out.append(
            FeatureRow(
                name=name,
                iv=bins[name].iv if name in bins else None,
                missing=_missing_rate(run.x_train[name]) if name in run.x_train.columns else None,
                corr=best,
                corr_with=best_with,
                status=status,
            )
        )
    kept_rows = sorted((r for r in out if r.status == "kept"), key=lambda r: -(r.iv or 0.0))
    return kept_rows + [r for r in out if r.status != "kept"]


@dataclass(frozen=True, slots=True)
class BandRow:
    """One score band: rows of train and test in it, the test bads, bad rate, gain and lift."""

    label: str
    train: int
    test: int
    train_share: float
    test_share: float
    bads: int
    bad_rate: float
    cum_bads: float  # share of all test bads in this band and the riskier ones
    lift: float


def score_bands(run: LabRun, bands: int = 10) -> tuple[Bins, list[BandRow]]:
    """Decile bands of the training score applied to test, riskiest band first."""
    model = run.model
    s_train = to_score(model, np.asarray(run.raw_train, dtype=np.float64))
    s_test = to_score(model, np.asarray(run.raw_test, dtype=np.float64))
    bins = quantile_bins(pl.Series("score", s_train), categorical=False, bins=bands)
    y = np.asarray(run.y_test, dtype=np.int_)
    i_train, i_test = bins.index(s_train), bins.index(s_test)
    n_train = np.bincount(i_train, minlength=bins.size)
    n_test = np.bincount(i_test, minlength=bins.size)
    bads = np.bincount(i_test, weights=y, minlength=bins.size).astype(np.int_)
    overall = y.mean() if y.size else 0.0
    order = list(range(bins.size - 1))  # the missing bin holds no score
    if not isinstance(model, Scorecard):
        order.reverse()  # a margin: higher is riskier
    rows, seen = [], 0
    labels = bins.labels()
    for i in order:
        seen += int(bads[i])
        rate = float(bads[i] / n_test[i]) if n_test[i] else 0.0
        rows.append(
            BandRow(
                label=labels[i],
                train=int(n_train[i]),
                test=int(n_test[i]),
                train_share=float(n_train[i] / max(n_train.sum(), 1)),
                test_share=float(n_test[i] / max(n_test.sum(), 1)),
                bads=int(bads[i]),
                bad_rate=rate,
                cum_bads=seen / max(int(y.sum()), 1),
                lift=rate / overall if overall else 0.0,
            )
        )
    return bins, rows
