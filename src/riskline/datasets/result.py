"""The outcome of one public-data evaluation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["EvalResult"]


@dataclass(frozen=True, slots=True)
class EvalResult:
    """Metrics of one model on one data set, with the split that produced them."""

    dataset: str
    model: str
    split: str
    metrics: Mapping[str, float]
    n_train: int
    n_test: int
    seconds: float
    targets: Mapping[str, float] = field(default_factory=dict)
