"""Monitoring: what decisions do over time, and alerts when it changes.

Per check (reason code) hits per day and precision from case outcomes; the decision mix and
freeze rate; per model score its distribution per day and PSI against the training
distribution. Alert rules (``default_alerts.yaml``) are evaluated by :class:`Monitor`; new
alerts are stored once per rule, subject and day and published as signed ``monitoring.alert``
webhooks through the outbox.
"""

from riskline.monitoring.alerts import ALERT_TOPIC, Alert, AlertBook, Emit, evaluate
from riskline.monitoring.drift import (
    SCORE_BINS,
    ScoreBins,
    bins_of,
    psi,
    record_training_bins,
    served_model,
    training_bins,
)
from riskline.monitoring.facts import Fact, read_facts, read_labels
from riskline.monitoring.monitor import REFERENCE_DAYS, Monitor, Report
from riskline.monitoring.rules import DEFAULT_ALERTS_PATH, AlertRules
from riskline.monitoring.series import (
    OUTCOMES,
    CheckSeries,
    MixSeries,
    ModelSeries,
    Series,
    build_series,
)
from riskline.monitoring.tables import monitoring_alerts

__all__ = [
    "ALERT_TOPIC",
    "DEFAULT_ALERTS_PATH",
    "OUTCOMES",
    "REFERENCE_DAYS",
    "SCORE_BINS",
    "Alert",
    "AlertBook",
    "AlertRules",
    "CheckSeries",
    "Emit",
    "Fact",
    "MixSeries",
    "ModelSeries",
    "Monitor",
    "Report",
    "ScoreBins",
    "Series",
    "bins_of",
    "build_series",
    "evaluate",
    "monitoring_alerts",
    "psi",
    "read_facts",
    "read_labels",
    "record_training_bins",
    "served_model",
    "training_bins",
]
