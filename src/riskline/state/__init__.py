"""Shared state in Redis: features, link graph and lists used by several processes at once.

The in-process stores stay the default; ``RISKLINE_FEATURE_STORE=redis`` (and the graph and
list stores) put the state in one Redis namespace per deployment, so API and worker processes
decide on the same per-entity features and the same graph. ``riskline state rebuild`` replays
the ledger into that namespace after Redis lost it.
"""

from riskline.state.redis_features import RedisFeatures, RedisFeatureStore, ttl_by_kind
from riskline.state.redis_graph import RedisGraph
from riskline.state.shared import Mode, SharedState

__all__ = [
    "Mode",
    "RedisFeatureStore",
    "RedisFeatures",
    "RedisGraph",
    "SharedState",
    "ttl_by_kind",
]
