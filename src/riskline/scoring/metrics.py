"""Discrimination and stability metrics: AUC, KS, Gini, PSI, recall at a false-positive rate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["BinaryMetrics", "auc", "binary_metrics", "ks", "psi", "recall_at_fpr"]


def _both_classes(y: ArrayLike) -> NDArray[np.float64]:
    """``y`` as floats; a ValueError unless it holds both classes (empty holds neither)."""
    yt = np.asarray(y, dtype=np.float64)
    pos = yt.sum()
    if pos == 0 or pos == yt.size:
        raise ValueError("metrics need both classes in y")
    return yt


def _roc(y: ArrayLike, score: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """False- and true-positive rates at every distinct threshold, highest score first
    (scikit-learn's ROC curve, from the point (0, 0))."""
    from sklearn.metrics import roc_curve  # type: ignore[import-untyped]

    fpr, tpr, _ = roc_curve(_both_classes(y), np.asarray(score), drop_intermediate=False)
    return np.asarray(fpr, dtype=np.float64), np.asarray(tpr, dtype=np.float64)


def auc(y: ArrayLike, score: ArrayLike) -> float:
    """Area under the ROC curve (ties count one half): scikit-learn's ``roc_auc_score``.

    >>> auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(_both_classes(y), np.asarray(score)))


def ks(y: ArrayLike, score: ArrayLike) -> float:
    """Kolmogorov-Smirnov statistic: the largest gap between the two classes' score CDFs.

    >>> ks([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    1.0
    """
    fpr, tpr = _roc(y, score)
    return float(np.max(tpr - fpr))


def recall_at_fpr(y: ArrayLike, score: ArrayLike, max_fpr: float = 0.01) -> float:
    """Highest recall reachable with a threshold whose false-positive rate is ≤ ``max_fpr``.

    >>> recall_at_fpr([0, 0, 0, 1, 1], [0.1, 0.2, 0.9, 0.8, 0.95], max_fpr=0.0)
    0.5
    """
    fpr, tpr = _roc(y, score)
    return float(tpr[fpr <= max_fpr].max())


def psi(expected: ArrayLike, actual: ArrayLike, bins: int = 10) -> float:
    """Population stability index of ``actual`` against ``expected`` on expected's quantile bins.

    >>> round(psi([1, 2, 3, 4] * 25, [1, 2, 3, 4] * 25, bins=4), 6)
    0.0
    """
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    edges = np.unique(np.quantile(e, np.linspace(0, 1, bins + 1))[1:-1])
    pe = np.bincount(np.searchsorted(edges, e, side="right"), minlength=edges.size + 1) / e.size
    pa = np.bincount(np.searchsorted(edges, a, side="right"), minlength=edges.size + 1) / a.size
    pe, pa = np.clip(pe, 1e-6, None), np.clip(pa, 1e-6, None)
    return float(np.sum((pa - pe) * np.log(pa / pe)))


@dataclass(frozen=True, slots=True)
class BinaryMetrics:
    """AUC, KS, Gini and recall at 1% FPR of one scored sample."""

    auc: float
    ks: float
    gini: float
    recall_at_1pct_fpr: float
    n: int
    positives: int

    def as_dict(self) -> dict[str, float]:
        """Plain dict for JSON metadata and report tables."""
        return {
            "auc": self.auc,
            "ks": self.ks,
            "gini": self.gini,
            "recall_at_1pct_fpr": self.recall_at_1pct_fpr,
            "n": float(self.n),
            "positives": float(self.positives),
        }


def binary_metrics(y: ArrayLike, score: ArrayLike) -> BinaryMetrics:
    """All the usual figures for a score where higher means more likely positive."""
    a = auc(y, score)
    yt = np.asarray(y)
    return BinaryMetrics(
        auc=a,
        ks=ks(y, score),
        gini=2 * a - 1,
        recall_at_1pct_fpr=recall_at_fpr(y, score, 0.01),
        n=int(yt.size),
        positives=int(yt.sum()),
    )
