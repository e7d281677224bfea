"""Real-time features: declarative windowed definitions, online state, point-in-time batch."""

from riskline.features.batch import compute_batch
from riskline.features.catalog import Catalog
from riskline.features.default import default_catalog
from riskline.features.definitions import Aggregate, FeatureDef, FeatureType, parse_duration
from riskline.features.online import OnlineFeatures
from riskline.features.resume import ResumableFeatures, SnapshotPosition
from riskline.features.stores import MemoryStore, StateStore

__all__ = [
    "Aggregate",
    "Catalog",
    "FeatureDef",
    "FeatureType",
    "MemoryStore",
    "OnlineFeatures",
    "ResumableFeatures",
    "SnapshotPosition",
    "StateStore",
    "compute_batch",
    "default_catalog",
    "parse_duration",
]
