"""Consortium blacklist: member nodes share confirmed-fraud identifiers through private set
intersection, plus a multi-lending count; see docs/consortium.md.

Importing this package does not need ``openmined-psi``; publishing and querying do
(``pip install 'riskline[consortium]'``, a clear :class:`~riskline.errors.Unavailable` otherwise).
"""

from riskline.consortium.auth import Signer, Verifier
from riskline.consortium.client import MemberClient, PeerSetup, Traffic
from riskline.consortium.holder import ContributionCheck, Holder, PublishConfig, Publisher
from riskline.consortium.identifiers import KINDS, Applicant, ConsortiumHasher, applicant, kind_of
from riskline.consortium.limits import Limits, RateLimited
from riskline.consortium.node import Node, Peer, PeerContributions, build_node, load_peers
from riskline.consortium.psi import load_psi
from riskline.consortium.registry import Registry
from riskline.consortium.screening import (
    SIGNAL_SCHEMA,
    ConsortiumFeatures,
    ListWriter,
    Screener,
    SignalBook,
)
from riskline.consortium.store import AuditRecord, NodeStore, StoredPublication
from riskline.consortium.types import (
    ConfirmedOutcome,
    DisputeState,
    Entry,
    Hit,
    Reason,
    check_outcome,
)

__all__ = [
    "KINDS",
    "SIGNAL_SCHEMA",
    "Applicant",
    "AuditRecord",
    "ConfirmedOutcome",
    "ConsortiumFeatures",
    "ConsortiumHasher",
    "ContributionCheck",
    "DisputeState",
    "Entry",
    "Hit",
    "Holder",
    "Limits",
    "ListWriter",
    "MemberClient",
    "Node",
    "NodeStore",
    "Peer",
    "PeerContributions",
    "PeerSetup",
    "PublishConfig",
    "Publisher",
    "RateLimited",
    "Reason",
    "Registry",
    "Screener",
    "SignalBook",
    "Signer",
    "StoredPublication",
    "Traffic",
    "Verifier",
    "applicant",
    "build_node",
    "check_outcome",
    "kind_of",
    "load_peers",
    "load_psi",
]
