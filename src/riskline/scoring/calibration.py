"""Probability calibration of a raw model margin: isotonic or Platt, fitted on a later slice."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from riskline.errors import InvalidConfig

__all__ = ["Calibrator", "fit_calibrator"]


@dataclass(frozen=True, slots=True)
class Calibrator:
    """Maps a raw margin to a probability; isotonic is a step table, Platt is a sigmoid.

    >>> Calibrator("platt", a=1.0, b=0.0).one(0.0)
    0.5
    >>> Calibrator("isotonic", xs=(0.0, 1.0), ys=(0.1, 0.3)).one(0.5)
    0.2
    """

    method: str
    a: float = 1.0
    b: float = 0.0
    xs: tuple[float, ...] = ()
    ys: tuple[float, ...] = ()

    def many(self, margin: ArrayLike) -> NDArray[np.float64]:
        """Calibrated probabilities of many margins."""
        m = np.asarray(margin, dtype=np.float64)
        if self.method == "isotonic":
            return np.interp(m, self.xs, self.ys)
        return np.asarray(1.0 / (1.0 + np.exp(-(self.a * m + self.b))), dtype=np.float64)

    def one(self, margin: float) -> float:
        """Calibrated probability of one margin, without numpy array overhead for Platt."""
        if self.method == "isotonic":
            return float(np.interp(margin, self.xs, self.ys))
        return 1.0 / (1.0 + math.exp(-(self.a * margin + self.b)))


def fit_calibrator(margin: ArrayLike, y: ArrayLike, method: str = "isotonic") -> Calibrator:
    """Fit ``method`` ("isotonic" or "platt") on held-out margins and labels."""
    m = np.asarray(margin, dtype=np.float64)
    t = np.asarray(y, dtype=np.float64)
    if method == "isotonic":
        from sklearn.isotonic import IsotonicRegression  # type: ignore[import-untyped]

        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(m, t)
        xs = tuple(map(float, iso.X_thresholds_))
        return Calibrator("isotonic", xs=xs, ys=tuple(map(float, iso.y_thresholds_)))
    if method == "platt":
        from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

        lr = LogisticRegression(C=1e6, max_iter=1000).fit(m.reshape(-1, 1), t)
        return Calibrator("platt", a=float(lr.coef_[0][0]), b=float(lr.intercept_[0]))
    raise InvalidConfig(f"unknown calibration method {method!r}; use 'isotonic' or 'platt'")
