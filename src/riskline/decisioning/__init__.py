"""Decisioning: the engine (the pipeline), the policy, and decision types."""

from riskline.decisioning.context import CONTEXT_SCHEMA
from riskline.decisioning.engine import BatchResult, Engine, owner_of, signal_schema
from riskline.decisioning.merchant_actions import (
    MERCHANT_KINDS,
    MemoryMerchantBook,
    MerchantBook,
    MerchantRestriction,
    MerchantState,
)
from riskline.decisioning.models import MODEL_SCHEMA, ModelSignals
from riskline.decisioning.policy import ActionSpec, Policy, PolicyResult
from riskline.decisioning.ports import (
    Batch,
    EngineStore,
    FeatureSource,
    GraphSource,
    LedgerEntry,
    StoredEvent,
)
from riskline.decisioning.types import (
    Action,
    ActionKind,
    Decision,
    Outcome,
    Reason,
    RiskView,
    decision_id_for,
    risk_view,
)

__all__ = [
    "CONTEXT_SCHEMA",
    "MERCHANT_KINDS",
    "MODEL_SCHEMA",
    "Action",
    "ActionKind",
    "ActionSpec",
    "Batch",
    "BatchResult",
    "Decision",
    "Engine",
    "EngineStore",
    "FeatureSource",
    "GraphSource",
    "LedgerEntry",
    "MemoryMerchantBook",
    "MerchantBook",
    "MerchantRestriction",
    "MerchantState",
    "ModelSignals",
    "Outcome",
    "Policy",
    "PolicyResult",
    "Reason",
    "RiskView",
    "StoredEvent",
    "decision_id_for",
    "owner_of",
    "risk_view",
    "signal_schema",
]
