"""What one training run of the lab produced: the model, the split, what was kept and dropped."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
from numpy.typing import NDArray

from riskline.scoring.gbdt import GbdtModel
from riskline.scoring.scorecard import Scorecard

__all__ = ["CalibrationBin", "Dropped", "LabRun"]


@dataclass(frozen=True, slots=True)
class Dropped:
    """A column left out of the model, and why (``"empty in the training slice"``,
    ``"constant"``, ``"id-like: unique on every row"``, ``"excluded (--exclude)"``,
    ``"IV 0.004 < 0.02"``, ``"correlation 0.97 with X"`` ...)."""

    column: str
    reason: str


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    """One decile of the test slice by predicted probability: predicted vs observed bad rate."""

    decile: int
    count: int
    predicted: float
    observed: float


@dataclass(frozen=True, slots=True)
class LabRun:
    """A trained, registered model with everything its report and its monitoring need.

    ``raw_train`` and ``raw_test`` are the model's raw scores, higher = riskier (log-odds of bad
    for a scorecard, the booster's margin for LightGBM): metrics are computed on them, never on
    calibrated probabilities (Brier score and ``calibration`` report those, separately). ``y_*``
    are 0/1 with 1 = the ``bad_value`` of the target.
    """

    name: str
    version: str
    kind: str  # "scorecard" | "lightgbm"
    model: Scorecard | GbdtModel
    source: str  # the file trained on, as given
    target: str
    bad_value: str
    split: str  # e.g. "stratified, test 30 %, seed 42 (scikit-learn train_test_split)"
    features: tuple[str, ...]
    categorical: tuple[str, ...]
    special_codes: tuple[float, ...]
    dropped: tuple[Dropped, ...]
    x_train: pl.DataFrame
    y_train: NDArray[np.int_]
    x_test: pl.DataFrame
    y_test: NDArray[np.int_]
    raw_train: NDArray[np.float64]
    raw_test: NDArray[np.float64]
    metrics: Mapping[str, float]
    model_dir: Path  # the registry folder of this version
    # added by the input side (defaults keep older constructors working):
    target_note: str = ""  # e.g. "target 'y': bad = 'bad' (automatic; values ['bad', 'good'])"
    time_column: str | None = None
    iv: Mapping[str, float] = field(default_factory=dict)  # scorecard: IV of every binned column
    calibration: tuple[CalibrationBin, ...] = ()  # test deciles, calibrated probabilities
    proba_test: NDArray[np.float64] | None = None  # calibrated probability of bad, test slice
