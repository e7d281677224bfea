"""Graph risk: an online link graph of accounts, identities, merchants and enterprises.

Links come from events; components, rings (account farms, collusive merchants,
credit-inflation cycles, guarantee circles), propagated risk from flagged entities,
enterprise linkage and ``graph.*`` features for rules and models.
"""

from riskline.graph.batch import BatchResult, run_batch
from riskline.graph.components import Components, ComponentStats
from riskline.graph.enterprise import EnterpriseIndex
from riskline.graph.extract import edges_from, subject_of
from riskline.graph.features import SCHEMA, features_for
from riskline.graph.linkgraph import LinkGraph
from riskline.graph.propagation import Propagation, personalized_pagerank
from riskline.graph.rings import detect_all, rings_for
from riskline.graph.service import GraphRisk
from riskline.graph.types import (
    EdgeKind,
    EdgeView,
    EnterpriseLink,
    GraphConfig,
    GraphView,
    Node,
    NodeKind,
    NodeView,
    Ring,
    RingKind,
)
from riskline.graph.view import neighbourhood

__all__ = [
    "SCHEMA",
    "BatchResult",
    "ComponentStats",
    "Components",
    "EdgeKind",
    "EdgeView",
    "EnterpriseIndex",
    "EnterpriseLink",
    "GraphConfig",
    "GraphRisk",
    "GraphView",
    "LinkGraph",
    "Node",
    "NodeKind",
    "NodeView",
    "Propagation",
    "Ring",
    "RingKind",
    "detect_all",
    "edges_from",
    "features_for",
    "neighbourhood",
    "personalized_pagerank",
    "rings_for",
    "run_batch",
    "subject_of",
]
