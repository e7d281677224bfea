"""Metrics against hand-computed values and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from riskline.scoring import auc, ks, psi, recall_at_fpr, time_split


def test_auc_matches_sklearn_with_ties() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    s = np.round(rng.random(500) + 0.3 * y, 1)  # many ties
    assert auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_ks_and_recall_hand_computed() -> None:
    y = [0, 0, 0, 0, 1, 1]
    s = [0.1, 0.2, 0.3, 0.7, 0.6, 0.9]
    # threshold 0.6: tpr 1.0, fpr 0.25 -> ks 0.75
    assert ks(y, s) == pytest.approx(0.75)
    assert recall_at_fpr(y, s, 0.0) == pytest.approx(0.5)
    assert recall_at_fpr(y, s, 0.25) == pytest.approx(1.0)


def test_psi_grows_with_shift() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(size=5000)
    assert psi(base, rng.normal(size=5000)) < 0.02
    assert psi(base, rng.normal(1.0, 1.0, 5000)) > 0.25


def test_time_split_keeps_ties_together_and_orders_slices() -> None:
    t = np.repeat(np.arange(10), 10)[::-1]
    a, b, c = time_split(t, [0.55, 0.25, 0.2])
    assert len(a) + len(b) + len(c) == 100
    assert t[a].max() < t[b].min()
    assert t[b].max() < t[c].min()
    assert len(a) == 60  # the tie group straddling 55% moved whole into the first slice
