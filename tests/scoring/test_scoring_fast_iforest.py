"""The flat-array Isolation Forest scores exactly like scikit-learn, NaNs included."""

from __future__ import annotations

import numpy as np

from riskline.scoring import AnomalyModel
from riskline.scoring.fast_iforest import FastForest


def test_fast_forest_equals_sklearn() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(1500, 6))
    x[rng.random(x.shape) < 0.05] = np.nan
    features = tuple(f"f{i}" for i in range(6))
    model = AnomalyModel(n_estimators=50).fit(x, features=features)
    fast = FastForest(model.forest_, features)
    probe = rng.normal(scale=3.0, size=(300, 6))
    probe[rng.random(probe.shape) < 0.1] = np.nan
    expected = model.score(probe)
    got = np.array([fast.score_vector(r) for r in probe])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    row = dict(zip(features, probe[0], strict=True))
    assert fast.signal(row) == model.signal(row)
    assert expected.max() > 0.6 > expected.min()  # the probe spans ordinary and odd rows
