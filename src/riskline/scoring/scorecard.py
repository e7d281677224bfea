"""Credit scorecard: WoE bins + logistic regression, scaled to points by base score, odds, PDO."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray

from riskline.errors import InvalidInput
from riskline.scoring.metrics import BinaryMetrics, binary_metrics, psi
from riskline.scoring.woe import VariableBins, fit_bins

__all__ = ["PointsRow", "PointsScale", "Scorecard", "ScorecardReport", "score_bands"]

Rows = pl.DataFrame | Sequence[Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class PointsScale:
    """Points scaling: ``base_score`` at good:bad odds ``base_odds``; odds double every ``pdo``.

    >>> s = PointsScale(base_score=600, base_odds=50, pdo=20)
    >>> round(s.points(math.log(1 / 50)), 6), round(s.points(math.log(1 / 100)), 6)
    (600.0, 620.0)
    """

    base_score: float = 600.0
    base_odds: float = 50.0
    pdo: float = 20.0

    @property
    def factor(self) -> float:
        """Points per unit of log-odds: ``pdo / ln 2``."""
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        """Score at even odds: ``base_score - factor * ln(base_odds)``."""
        return self.base_score - self.factor * math.log(self.base_odds)

    def points(self, log_odds_bad: float) -> float:
        """Score for a log-odds of the bad outcome (``ln(p_bad / p_good)``)."""
        return self.offset - self.factor * log_odds_bad


@dataclass(frozen=True, slots=True)
class PointsRow:
    """One line of the points table: a variable's bin, its WoE and the points it adds."""

    variable: str
    bin: str
    woe: float
    points: float


@dataclass(frozen=True, slots=True)
class ScorecardReport:
    """Validation figures of a scorecard: test discrimination, train-vs-test PSI, score bands."""

    train: BinaryMetrics
    test: BinaryMetrics
    psi: float
    bands: tuple[dict[str, float], ...] = field(default=())


class Scorecard:
    """WoE scorecard; ``score`` returns points where higher means less likely to default."""

    def __init__(
        self,
        scale: PointsScale | None = None,
        *,
        categorical: Sequence[str] = (),
        monotonic_trend: str = "auto_asc_desc",
        min_iv: float = 0.02,
        max_n_bins: int = 10,
        c: float = 1.0,
        special_codes: Sequence[float] = (),
    ) -> None:
        self.scale = scale or PointsScale()
        self.categorical = tuple(categorical)
        self.monotonic_trend = monotonic_trend
        self.min_iv = min_iv
        self.max_n_bins = max_n_bins
        self.c = c
        self.special_codes = tuple(float(v) for v in special_codes)
        self.bins_: dict[str, VariableBins] = {}
        self.failed_: dict[str, str] = {}
        self.iv_: dict[str, float] = {}
        self.coef_: dict[str, float] = {}
        self.intercept_: float = 0.0

    @classmethod
    def from_params(
        cls,
        scale: PointsScale,
        bins: Sequence[VariableBins],
        coef: Sequence[float],
        intercept: float,
    ) -> Scorecard:
        """A fitted scorecard from explicit bins and logistic coefficients (log-odds of bad)."""
        card = cls(scale)
        card.bins_ = {b.name: b for b in bins}
        card.iv_ = {b.name: b.iv for b in bins}
        card.coef_ = {b.name: float(c) for b, c in zip(bins, coef, strict=True)}
        card.intercept_ = float(intercept)
        return card

    def fit(self, df: pl.DataFrame, y: ArrayLike) -> Scorecard:
        """Bin every column, keep those with IV ≥ ``min_iv``, fit the logistic regression.

        A column optbinning cannot bin is left out, its reason in ``failed_``.
        """
        from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

        target = np.asarray(y, dtype=np.int_)
        text = [
            c
            for c in df.columns
            if c not in self.categorical
            and not (df.schema[c].is_numeric() or df.schema[c] == pl.Boolean)
        ]
        if text:
            raise InvalidInput(f"column(s) {text} are not numeric; list them as categorical")
        all_bins: dict[str, VariableBins] = {}
        self.failed_ = {}
        for col in df.columns:
            try:
                all_bins[col] = fit_bins(
                    col,
                    df[col].to_numpy(),
                    target,
                    categorical=col in self.categorical,
                    monotonic_trend=self.monotonic_trend,
                    max_n_bins=self.max_n_bins,
                    special_codes=self.special_codes,
                )
            except InvalidInput as err:
                self.failed_[col] = err.message
        if not all_bins:
            raise InvalidInput(f"no column could be binned: {self.failed_}")
        self.iv_ = {name: b.iv for name, b in all_bins.items()}
        kept = [b for b in all_bins.values() if b.iv >= self.min_iv] or list(all_bins.values())
        self.bins_ = {b.name: b for b in kept}
        model = LogisticRegression(C=self.c, max_iter=1000).fit(self._woe(df), target)
        self.coef_ = dict(zip(self.bins_, map(float, model.coef_[0]), strict=True))
        self.intercept_ = float(model.intercept_[0])
        return self

    @property
    def features(self) -> tuple[str, ...]:
        """Variables the fitted scorecard uses."""
        return tuple(self.bins_)

    def _woe(self, df: pl.DataFrame) -> NDArray[np.float64]:
        cols = [b.transform(df[name].to_numpy()) for name, b in self.bins_.items()]
        return np.column_stack(cols) if cols else np.zeros((df.height, 0))

    def base_points(self) -> float:
        """Points every applicant starts with: the intercept's share of the score."""
        return self.scale.points(self.intercept_)

    def points_table(self) -> list[PointsRow]:
        """Points each bin of each variable adds to ``base_points``."""
        factor = self.scale.factor
        return [
            PointsRow(name, label, woe, -factor * self.coef_[name] * woe)
            for name, b in self.bins_.items()
            for label, woe in zip(b.labels(), b.woe, strict=True)
        ]

    def feature_points(self, rows: Rows) -> dict[str, NDArray[np.float64]]:
        """Points each variable adds to ``base_points`` for each row (they sum to the score)."""
        df = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(list(rows))
        factor = self.scale.factor
        return {
            name: -factor * self.coef_[name] * b.transform(df[name].to_numpy())
            for name, b in self.bins_.items()
        }

    def best_points(self) -> dict[str, float]:
        """The most points each variable can add (its best bin): reason codes measure from it."""
        factor = self.scale.factor
        return {
            name: float(np.max(-factor * self.coef_[name] * np.asarray(b.woe)))
            for name, b in self.bins_.items()
        }

    def log_odds(self, rows: Rows) -> NDArray[np.float64]:
        """Log-odds of the bad outcome for each row."""
        df = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(list(rows))
        coef = np.asarray([self.coef_[n] for n in self.bins_])
        return np.asarray(self.intercept_ + self._woe(df) @ coef, dtype=np.float64)

    def score(self, rows: Rows) -> NDArray[np.float64]:
        """Points for each row (``base_points`` plus each variable's bin points)."""
        return self.scale.offset - self.scale.factor * self.log_odds(rows)

    def predict_proba(self, rows: Rows) -> NDArray[np.float64]:
        """Probability of the bad outcome for each row."""
        return 1.0 / (1.0 + np.exp(-self.log_odds(rows)))

    def report(
        self, train: pl.DataFrame, y_train: ArrayLike, test: pl.DataFrame, y_test: ArrayLike
    ) -> ScorecardReport:
        """AUC, KS, Gini on both samples, PSI of the score train vs test, test score bands."""
        s_train, s_test = self.score(train), self.score(test)
        return ScorecardReport(
            train=binary_metrics(y_train, -s_train),
            test=binary_metrics(y_test, -s_test),
            psi=psi(s_train, s_test),
            bands=score_bands(s_test, y_test, width=self.scale.pdo),
        )


def score_bands(
    scores: ArrayLike, y: ArrayLike, *, width: float = 20.0
) -> tuple[dict[str, float], ...]:
    """Count, share and bad rate per score band of ``width`` points, lowest band first.

    >>> [b["bad_rate"] for b in score_bands([500, 510, 530, 535], [1, 0, 0, 0], width=20)]
    [0.5, 0.0]
    """
    s = np.asarray(scores, dtype=np.float64)
    yt = np.asarray(y, dtype=np.float64)
    low = np.floor(s / width) * width
    bands = []
    for lo in np.unique(low):
        mask = low == lo
        bands.append(
            {
                "low": float(lo),
                "high": float(lo + width),
                "count": float(mask.sum()),
                "share": float(mask.mean()),
                "bad_rate": float(yt[mask].mean()),
            }
        )
    return tuple(bands)
