"""Scoring: credit scorecard, LightGBM fraud model with reason codes, anomaly score, registry."""

from riskline.scoring.anomaly import AnomalyModel
from riskline.scoring.calibration import Calibrator, fit_calibrator
from riskline.scoring.errors import (
    ArtifactTampered,
    MissingColumn,
    ModelNotFound,
    NonBinaryTarget,
    TooFewPositives,
)
from riskline.scoring.gbdt import GbdtModel
from riskline.scoring.latency import measure_latency
from riskline.scoring.metrics import BinaryMetrics, auc, binary_metrics, ks, psi, recall_at_fpr
from riskline.scoring.reasons import Contribution, ReasonCode, ReasonMap
from riskline.scoring.registry import ModelMeta, ModelRegistry
from riskline.scoring.scorecard import PointsRow, PointsScale, Scorecard, ScorecardReport
from riskline.scoring.shadow import ChampionChallenger, RowScorer, ShadowScore
from riskline.scoring.splits import time_split
from riskline.scoring.train import TrainResult, read_history, train_from_frame
from riskline.scoring.woe import VariableBins

__all__ = [
    "AnomalyModel",
    "ArtifactTampered",
    "BinaryMetrics",
    "Calibrator",
    "ChampionChallenger",
    "Contribution",
    "GbdtModel",
    "MissingColumn",
    "ModelMeta",
    "ModelNotFound",
    "ModelRegistry",
    "NonBinaryTarget",
    "PointsRow",
    "PointsScale",
    "ReasonCode",
    "ReasonMap",
    "RowScorer",
    "Scorecard",
    "ScorecardReport",
    "ShadowScore",
    "TooFewPositives",
    "TrainResult",
    "VariableBins",
    "auc",
    "binary_metrics",
    "fit_calibrator",
    "ks",
    "measure_latency",
    "psi",
    "read_history",
    "recall_at_fpr",
    "time_split",
    "train_from_frame",
]
