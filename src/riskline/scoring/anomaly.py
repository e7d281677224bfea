"""Anomaly score for patterns no label has seen yet: Isolation Forest over a feature vector."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from riskline.errors import InvalidInput

__all__ = ["AnomalyModel"]


class AnomalyModel:
    """Isolation Forest; ``score`` is the paper's anomaly score ``2^(-E[h]/c(n))`` in [0, 1].

    Around 0.5 or below is ordinary; scores approaching 1 are isolated in few splits.
    """

    def __init__(
        self, *, n_estimators: int = 200, max_samples: int | str = "auto", seed: int = 7
    ) -> None:
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.seed = seed
        self.forest_: Any = None
        self.features_: tuple[str, ...] = ()

    def fit(self, x: ArrayLike, *, features: Sequence[str]) -> AnomalyModel:
        """Fit on (mostly normal) history; labels are not needed."""
        from sklearn.ensemble import IsolationForest  # type: ignore[import-untyped]

        xs = np.asarray(x, dtype=np.float64)
        if xs.ndim != 2 or xs.shape[1] != len(features):
            raise InvalidInput(f"expected a 2-D array with {len(features)} columns")
        self.forest_ = IsolationForest(
            n_estimators=self.n_estimators, max_samples=self.max_samples, random_state=self.seed
        ).fit(xs)
        self.features_ = tuple(features)
        return self

    def score(self, x: ArrayLike) -> NDArray[np.float64]:
        """Anomaly score in [0, 1] of many rows; higher is stranger."""
        if self.forest_ is None:
            raise InvalidInput("anomaly model is not fitted")
        raw = -self.forest_.score_samples(np.asarray(x, dtype=np.float64))
        return np.clip(np.asarray(raw, dtype=np.float64), 0.0, 1.0)

    def signal(self, row: Mapping[str, float]) -> float:
        """Anomaly score of one row given as feature name → value (missing → 0)."""
        vec = np.asarray([[row.get(f, 0.0) for f in self.features_]], dtype=np.float64)
        return float(self.score(vec)[0])
