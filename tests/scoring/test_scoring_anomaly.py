"""Isolation Forest anomaly signal."""

from __future__ import annotations

import numpy as np
import pytest

from riskline.errors import InvalidInput
from riskline.scoring import AnomalyModel


def test_outliers_score_higher_and_scores_are_in_unit_interval() -> None:
    rng = np.random.default_rng(0)
    normal = rng.normal(size=(2000, 3))
    model = AnomalyModel(n_estimators=100).fit(normal, features=["a", "b", "c"])
    inliers = model.score(rng.normal(size=(200, 3)))
    outliers = model.score(rng.normal(8.0, 1.0, size=(200, 3)))
    assert np.all((inliers >= 0) & (inliers <= 1))
    assert np.all((outliers >= 0) & (outliers <= 1))
    assert outliers.min() > np.percentile(inliers, 95)
    assert model.signal({"a": 9.0, "b": 9.0, "c": 9.0}) > 0.6
    assert model.signal({"a": 0.0, "b": 0.0, "c": 0.0}) < 0.5


def test_unfitted_and_wrong_width_are_clear_errors() -> None:
    with pytest.raises(InvalidInput, match="not fitted"):
        AnomalyModel().score(np.zeros((1, 2)))
    with pytest.raises(InvalidInput, match="2 columns"):
        AnomalyModel().fit(np.zeros((5, 3)), features=["a", "b"])
