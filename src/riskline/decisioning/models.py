"""Model signals in the decision: fraud probability (champion and shadow challenger), anomaly.

The engine reads ``score.fraud``, ``score.fraud_challenger`` and ``score.anomaly`` like any
feature, so policy checks can say ``score.fraud >= 0.8``. The challenger only ever scores in
shadow: its value is recorded in the decision, no check may read it.

>>> ModelSignals().score({"account.payments_1d": 3.0})
{}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from riskline.decisioning.types import Reason

__all__ = ["MODEL_SCHEMA", "SCORED_EVENTS", "AnomalyLike", "FraudModel", "ModelSignals"]

MODEL_SCHEMA = {"score.fraud": "number", "score.anomaly": "number"}
SCORED_EVENTS = frozenset(
    {"payment", "transfer", "loan_application", "loan_drawdown", "enterprise_loan_application"}
)
"""Events the models score: those that move money or ask for credit."""
"""Model outputs the policy may read (missing when no model is loaded)."""


class _Reason(Protocol):
    code: str
    text: str


class _Contribution(Protocol):
    feature: str
    value: float
    contribution: float
    reason: _Reason


class FraudModel(Protocol):
    """What the engine needs of a supervised model (``riskline.scoring.GbdtModel`` fits)."""

    features_: tuple[str, ...]

    def score_row(self, row: Mapping[str, float]) -> float: ...

    def explain(self, row: Mapping[str, float], top_k: int = 3) -> list[_Contribution]: ...


class AnomalyLike(Protocol):
    """What the engine needs of an anomaly model (``riskline.scoring.AnomalyModel`` fits)."""

    def signal(self, row: Mapping[str, float]) -> float: ...


class ModelSignals:
    """The loaded models and their versions; each may be absent."""

    def __init__(
        self,
        fraud: FraudModel | None = None,
        challenger: FraudModel | None = None,
        anomaly: AnomalyLike | None = None,
        versions: Mapping[str, str] | None = None,
        events: frozenset[str] = SCORED_EVENTS,
    ) -> None:
        self.fraud = fraud
        self.challenger = challenger
        self.anomaly = anomaly
        self.versions = dict(versions or {})
        self.events = events

    def score(self, values: Mapping[str, float], event_type: str = "payment") -> dict[str, float]:
        """Every loaded model's score on the decision's feature values (money and credit events)."""
        out: dict[str, float] = {}
        if event_type not in self.events:
            return out
        if self.fraud is not None:
            out["score.fraud"] = self.fraud.score_row(values)
        if self.challenger is not None:
            out["score.fraud_challenger"] = self.challenger.score_row(values)
        if self.anomaly is not None:
            out["score.anomaly"] = self.anomaly.signal(values)
        return out

    def reasons(self, values: Mapping[str, float], top_k: int = 3) -> tuple[Reason, ...]:
        """The fraud model's top positive contributions as reasons, with their values."""
        if self.fraud is None:
            return ()
        return tuple(
            Reason(
                c.reason.code,
                c.reason.text,
                {c.feature: c.value, "contribution": round(c.contribution, 4)},
            )
            for c in self.fraud.explain(values, top_k)
        )
