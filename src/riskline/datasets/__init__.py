"""Public data sets (read in place from ``RISKLINE_DATA_DIR``) and their evaluations."""

from riskline.datasets.byo import fraud_features, train_fraud
from riskline.datasets.credit import (
    evaluate_credit,
    load_give_me_some_credit,
    load_taiwan,
    stratified_split,
)
from riskline.datasets.paths import DatasetMissing, data_dir, read_csv_in_place
from riskline.datasets.paysim import evaluate_paysim, load_paysim, paysim_features
from riskline.datasets.result import EvalResult
from riskline.datasets.sffsd import (
    evaluate_sffsd,
    fit_sffsd,
    load_sffsd,
    sffsd_features,
    sffsd_latency,
)
from riskline.datasets.velocity import past_aggregates, past_degree

__all__ = [
    "DatasetMissing",
    "EvalResult",
    "data_dir",
    "evaluate_credit",
    "evaluate_paysim",
    "evaluate_sffsd",
    "fit_sffsd",
    "fraud_features",
    "load_give_me_some_credit",
    "load_paysim",
    "load_sffsd",
    "load_taiwan",
    "past_aggregates",
    "past_degree",
    "paysim_features",
    "read_csv_in_place",
    "sffsd_features",
    "sffsd_latency",
    "stratified_split",
    "train_fraud",
]
