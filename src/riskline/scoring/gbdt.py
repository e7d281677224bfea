"""LightGBM fraud / cash-out model: imbalance weighting, calibration, reason codes, fast path."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import lightgbm as lgb
import numpy as np
from numpy.typing import ArrayLike, NDArray

from riskline.errors import InvalidInput
from riskline.scoring.calibration import Calibrator, fit_calibrator
from riskline.scoring.paths import PathExplainer
from riskline.scoring.reasons import Contribution, ReasonMap

__all__ = ["DEFAULT_PARAMS", "GbdtModel", "Row"]

Row = Mapping[str, float | str] | Sequence[float]
"""One row: feature name → value (strings for categorical features) or values in order."""

DEFAULT_PARAMS: Mapping[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.03,
    "num_leaves": 31,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.7,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "verbose": -1,
    "num_threads": 1,
    "seed": 7,
}


class GbdtModel:
    """Binary LightGBM classifier with calibrated probabilities and per-row reason codes.

    Imbalance (``pos_weight``): by default positives are up-weighted by
    ``sqrt(negatives / positives)`` through ``scale_pos_weight``. Fraud labels are often
    0.1-1% of rows; unweighted, few splits ever isolate them. Full reweighting to 50:50
    (``"balanced"``) makes trees chase the rare class and overfit it; the square root keeps
    positives visible while staying close to the data. Pass ``1.0`` when classes are only
    mildly skewed (the public benchmarks, 10-27% positives, rank better unweighted). The
    weighted margin is no probability, so ``predict_proba`` goes through a calibrator fitted
    on a later held-out slice (isotonic by default, Platt on request).
    """

    def __init__(
        self,
        params: Mapping[str, Any] | None = None,
        *,
        num_boost_round: int = 400,
        pos_weight: float | str = "sqrt",
        calibration: str = "isotonic",
        categorical: Sequence[str] = (),
        reasons: ReasonMap | None = None,
    ) -> None:
        self.params = dict(DEFAULT_PARAMS if params is None else params)
        self.num_boost_round = num_boost_round
        self.pos_weight = pos_weight
        self.calibration = calibration
        self.categorical = tuple(categorical)
        self.reasons = reasons or ReasonMap()
        self.booster_: lgb.Booster | None = None
        self.calibrator_: Calibrator | None = None
        self.features_: tuple[str, ...] = ()
        self.category_codes_: dict[str, dict[str, int]] = {}
        self._row: NDArray[np.float64] = np.zeros((1, 0))
        self._paths: PathExplainer | None = None

    def fit(
        self,
        x: ArrayLike,
        y: ArrayLike,
        *,
        features: Sequence[str],
        calib_x: ArrayLike | None = None,
        calib_y: ArrayLike | None = None,
        category_codes: Mapping[str, Mapping[str, int]] | None = None,
    ) -> GbdtModel:
        """Train on ``x, y``; calibrate on ``calib_x, calib_y`` (a later slice) when given."""
        xs = np.asarray(x, dtype=np.float64)
        ys = np.asarray(y, dtype=np.float64)
        pos = float(ys.sum())
        if pos == 0 or pos == ys.size:
            raise InvalidInput("training labels need both classes")
        params = {**self.params, "scale_pos_weight": self._pos_weight((ys.size - pos) / pos)}
        cats = [c for c in self.categorical if c in features]
        data = lgb.Dataset(xs, ys, feature_name=list(features), categorical_feature=cats)
        self.booster_ = lgb.train(params, data, num_boost_round=self.num_boost_round)
        self.features_ = tuple(features)
        self.category_codes_ = {k: dict(v) for k, v in (category_codes or {}).items()}
        self._row = np.zeros((1, len(features)), dtype=np.float64)
        self._paths = None
        if calib_x is not None and calib_y is not None:
            margin = self.margin(calib_x)
            self.calibrator_ = fit_calibrator(margin, calib_y, self.calibration)
        return self

    def _pos_weight(self, ratio: float) -> float:
        if self.pos_weight == "sqrt":
            return math.sqrt(ratio)
        if self.pos_weight == "balanced":
            return ratio
        if isinstance(self.pos_weight, str):
            raise InvalidInput(
                f"pos_weight must be 'sqrt', 'balanced' or a number, not {self.pos_weight!r}"
            )
        return float(self.pos_weight)

    def _booster(self) -> lgb.Booster:
        if self.booster_ is None:
            raise InvalidInput("model is not fitted")
        return self.booster_

    def margin(self, x: ArrayLike) -> NDArray[np.float64]:
        """Raw log-odds margins of many rows (uncalibrated, imbalance-weighted)."""
        raw = self._booster().predict(np.asarray(x, dtype=np.float64), raw_score=True)
        return np.asarray(raw, dtype=np.float64)

    def predict_proba(self, x: ArrayLike) -> NDArray[np.float64]:
        """Calibrated probability of the positive class for many rows."""
        m = self.margin(x)
        if self.calibrator_ is None:
            return np.asarray(1.0 / (1.0 + np.exp(-m)), dtype=np.float64)
        return self.calibrator_.many(m)

    def _fill(self, row: Row) -> NDArray[np.float64]:
        buf = self._row
        if isinstance(row, Mapping):
            codes = self.category_codes_
            for i, name in enumerate(self.features_):
                v = row.get(name, math.nan)
                buf[0, i] = codes[name].get(v, math.nan) if isinstance(v, str) else v
        elif len(row) == buf.shape[1]:
            buf[0, :] = row
        else:
            raise InvalidInput(f"row has {len(row)} values; the model has {buf.shape[1]} features")
        return buf

    def score_row(self, row: Row) -> float:
        """Calibrated probability of one row: one preallocated buffer, one thread, no copies.

        The buffer is shared, so use one model object per thread.
        """
        raw = self._booster().predict(self._fill(row), raw_score=True, num_threads=1)
        m = float(raw[0])
        if self.calibrator_ is None:
            return 1.0 / (1.0 + math.exp(-m))
        return self.calibrator_.one(m)

    def contributions(self, row: Row, method: str = "shap") -> list[Contribution]:
        """Every feature's contribution (log-odds) to this row's margin, largest first.

        ``method="shap"``: LightGBM's exact TreeSHAP (``pred_contrib``), milliseconds on big
        models. ``"path"``: decision-path attribution precomputed per leaf, ~10x faster, same
        bias and the same sum, but an approximation of the per-feature split.
        """
        buf = self._fill(row)
        if method == "shap":
            contrib = self._booster().predict(buf, pred_contrib=True, num_threads=1)[0]
        elif method == "path":
            if self._paths is None:
                self._paths = PathExplainer(self._booster())
            contrib = self._paths.contributions(buf)
        else:
            raise InvalidInput(f"unknown explanation method {method!r}; use 'shap' or 'path'")
        out = [
            Contribution(name, float(buf[0, i]), float(contrib[i]), self.reasons.reason(name))
            for i, name in enumerate(self.features_)
        ]
        return sorted(out, key=lambda c: -c.contribution)

    def contributions_many(self, x: ArrayLike) -> NDArray[np.float64]:
        """TreeSHAP contribution (log-odds) of each feature to each row's margin; the last
        column is the bias (rows sum to :meth:`margin`)."""
        raw = self._booster().predict(np.asarray(x, dtype=np.float64), pred_contrib=True)
        return np.asarray(raw, dtype=np.float64)

    def explain(self, row: Row, top_k: int = 3, method: str = "shap") -> list[Contribution]:
        """The ``top_k`` features pushing this row towards the positive class (positive only)."""
        return [c for c in self.contributions(row, method) if c.contribution > 0][:top_k]

    def feature_importance(self) -> dict[str, float]:
        """Total split gain per feature."""
        gains = self._booster().feature_importance(importance_type="gain")
        return dict(zip(self.features_, map(float, gains), strict=True))
