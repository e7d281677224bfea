"""Graph domain types: node and edge kinds, links, rings, views and the graph configuration.

>>> cfg = GraphConfig()
>>> EdgeKind.IP in cfg.join_kinds, EdgeKind.DEVICE in cfg.join_kinds
(False, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from riskline.errors import InvalidConfig

__all__ = [
    "MONEY_KINDS",
    "EdgeKind",
    "EdgeView",
    "EnterpriseLink",
    "GraphConfig",
    "GraphView",
    "Link",
    "Node",
    "NodeKind",
    "NodeView",
    "Ring",
    "RingKind",
    "kinds_mask",
]

Node = tuple[str, str]
"""A node is its (kind, id) pair, e.g. ``("account", "a1")``."""


class NodeKind(StrEnum):
    """Kinds of nodes in the link graph."""

    ACCOUNT = "account"
    PERSON = "person"
    DEVICE = "device"
    PHONE = "phone"
    PHONE_BLOCK = "phone_block"
    ID = "id"
    IP = "ip"
    CARD = "card"
    MERCHANT = "merchant"
    ENTERPRISE = "enterprise"


class EdgeKind(StrEnum):
    """Kinds of links; money kinds are directed from payer to payee."""

    HOLDS = "holds"  # account - person
    PHONE = "phone"  # account - phone hash
    ID = "id"  # account - id hash
    DEVICE = "device"  # account or merchant - device
    IP = "ip"  # account or merchant - ip
    OWNS = "owns"  # merchant - owner person
    MERCHANT_CARD = "merchant_card"  # merchant - registered payout card
    ROLE = "role"  # enterprise - party (person or enterprise)
    PAYMENT = "payment"  # account -> merchant
    PAYOUT = "payout"  # merchant -> card
    TRANSFER = "transfer"  # account -> account or card
    DRAWDOWN = "drawdown"  # account -> card (the card is the account's own)
    PHONE_BLOCK = "phone_block"  # account - its phone's block of 100 numbers, hashed


MONEY_KINDS = frozenset({EdgeKind.PAYMENT, EdgeKind.PAYOUT, EdgeKind.TRANSFER, EdgeKind.DRAWDOWN})
"""Directed kinds that move money."""

_KIND_BIT = {kind: 1 << i for i, kind in enumerate(EdgeKind)}


class RingKind(StrEnum):
    """Typologies the ring detector reports."""

    ACCOUNT_FARM = "account_farm"
    COLLUSIVE_MERCHANT = "collusive_merchant"
    CREDIT_INFLATION = "credit_inflation"
    GUARANTEE_CIRCLE = "guarantee_circle"


class Link:
    """Mutable aggregate of all edges between two nodes (internal state of the online graph)."""

    __slots__ = ("a", "amount", "b", "bucket", "count", "first_ts", "fwd", "last_ts", "rev")

    def __init__(self, a: Node, b: Node, ts: float) -> None:
        self.a = a
        self.b = b
        self.fwd = 0  # bitmask of kinds seen a -> b (or undirected)
        self.rev = 0  # bitmask of kinds seen b -> a
        self.first_ts = ts
        self.last_ts = ts
        self.count = 0
        self.amount = 0.0
        self.bucket = -1

    def add(self, kind: EdgeKind, forward: bool, ts: float, amount: float) -> None:
        """Record one more edge of ``kind`` on this link."""
        if forward:
            self.fwd |= _KIND_BIT[kind]
        else:
            self.rev |= _KIND_BIT[kind]
        self.count += 1
        self.amount += amount
        if ts < self.first_ts:
            self.first_ts = ts
        elif ts > self.last_ts:
            self.last_ts = ts

    def has(self, kinds_mask: int) -> bool:
        """Whether the link carries any kind in the mask, in either direction."""
        return bool((self.fwd | self.rev) & kinds_mask)

    def out_of(self, node: Node, kinds_mask: int) -> bool:
        """Whether a kind in the mask flows out of ``node`` along this link."""
        return bool((self.fwd if node == self.a else self.rev) & kinds_mask)

    def other(self, node: Node) -> Node:
        """The far end of the link seen from ``node``."""
        return self.b if node == self.a else self.a

    def kinds(self) -> tuple[EdgeKind, ...]:
        """The kinds this link carries."""
        bits = self.fwd | self.rev
        return tuple(k for k, bit in _KIND_BIT.items() if bits & bit)


def kinds_mask(kinds: frozenset[EdgeKind] | set[EdgeKind]) -> int:
    """Bitmask for a set of edge kinds."""
    mask = 0
    for kind in kinds:
        mask |= _KIND_BIT[kind]
    return mask


_DEFAULT_JOIN = frozenset(EdgeKind) - {EdgeKind.IP, EdgeKind.PAYMENT, EdgeKind.PHONE_BLOCK}
"""Links that merge components: all but addresses, payments and phone blocks (shared by
strangers too; read directly, never walked)."""
_STICKY = frozenset(
    {
        EdgeKind.HOLDS,
        EdgeKind.PHONE,
        EdgeKind.ID,
        EdgeKind.OWNS,
        EdgeKind.MERCHANT_CARD,
        EdgeKind.ROLE,
    }
)


@dataclass(frozen=True, slots=True)
class GraphConfig:
    """Tuning of the online graph; ``join_kinds`` decides which links merge components.

    ``sticky_kinds`` are identity facts that never expire by age (only by the degree cap);
    other links expire ``ttl_seconds`` after they were last seen.
    """

    join_kinds: frozenset[EdgeKind] = _DEFAULT_JOIN
    ttl_seconds: float = 90 * 86400.0
    bucket_seconds: float = 3600.0
    max_degree: int = 500
    hops: int = 2
    distance_cap: int = 4
    cycle_window_seconds: float = 30 * 86400.0
    cycle_max_depth: int = 5
    cycle_min_transfer: float = 1000.0
    """A transfer between accounts carries a loop only if it averages at least this much: fake
    flows that inflate a credit score move sums that count; households settle small ones."""
    search_budget: int = 2000
    farm_min_accounts: int = 4
    farm_accounts_per_artifact: float = 2.0
    restart: float = 0.15
    sticky_kinds: frozenset[EdgeKind] = _STICKY
    control_share: Decimal = Decimal("0.25")

    def __post_init__(self) -> None:
        if self.max_degree < 2 or self.hops < 1 or self.distance_cap < 1:
            raise InvalidConfig("max_degree must be >= 2, hops and distance_cap >= 1")
        if self.ttl_seconds <= 0 or self.bucket_seconds <= 0:
            raise InvalidConfig("ttl_seconds and bucket_seconds must be positive")
        if not 0.0 < self.restart < 1.0:
            raise InvalidConfig("restart must be in (0, 1)")


@dataclass(frozen=True, slots=True)
class EdgeView:
    """One link as shown to a reader: ends, kinds, direction of money and activity."""

    src: Node
    dst: Node
    kinds: tuple[str, ...]
    first_ts: float
    last_ts: float
    count: int
    amount: float


@dataclass(frozen=True, slots=True)
class Ring:
    """A detected ring: stable id, typology, members, the links that show it, and a 0..1 score."""

    id: str
    kind: RingKind
    members: tuple[Node, ...]
    evidence: tuple[EdgeView, ...]
    score: float


@dataclass(frozen=True, slots=True)
class EnterpriseLink:
    """A party's role in an enterprise (share for shareholders)."""

    enterprise_id: str
    party: Node
    role: str
    share: Decimal | None = None
    spv: bool = False


@dataclass(frozen=True, slots=True)
class NodeView:
    """A node in a neighbourhood view, with its risk and flags."""

    node: Node
    risk: float
    flags: tuple[str, ...]
    depth: int


@dataclass(frozen=True, slots=True)
class GraphView:
    """The neighbourhood of an entity: nodes, edges, its risk and its rings."""

    center: Node
    nodes: tuple[NodeView, ...]
    edges: tuple[EdgeView, ...]
    risk: float
    ring_ids: tuple[str, ...] = field(default=())
    truncated: bool = False
