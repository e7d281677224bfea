"""Identity look-ups on the link graph: who an account is, who owns a merchant.

>>> from riskline.graph.linkgraph import LinkGraph
>>> from riskline.graph.types import EdgeKind
>>> g = LinkGraph()
>>> _ = g.add_edge(("account", "a1"), ("person", "p1"), EdgeKind.HOLDS, 0.0)
>>> _ = g.add_edge(("merchant", "m1"), ("person", "p1"), EdgeKind.OWNS, 0.0)
>>> shared_identity(g, ("account", "a1"), ("merchant", "m1"))
(('person', 'p1'),)
"""

from __future__ import annotations

from riskline.graph.linkgraph import LinkGraph
from riskline.graph.types import EdgeKind, Node, kinds_mask

__all__ = [
    "accounts_of_person",
    "identity_of",
    "kin_accounts",
    "owner_accounts",
    "owners_of",
    "shared_identity",
    "sibling_merchants",
]

_HOLDS = kinds_mask({EdgeKind.HOLDS})
_OWNS = kinds_mask({EdgeKind.OWNS})
_IDENT = kinds_mask({EdgeKind.HOLDS, EdgeKind.PHONE, EdgeKind.ID, EdgeKind.DEVICE})
_DRAW = kinds_mask({EdgeKind.DRAWDOWN})
_MCARD = kinds_mask({EdgeKind.MERCHANT_CARD, EdgeKind.PAYOUT})
_DEVICE = kinds_mask({EdgeKind.DEVICE})
_REG_CARD = kinds_mask({EdgeKind.MERCHANT_CARD})


def _of_kind(g: LinkGraph, node: Node, mask: int, kind: str) -> list[Node]:
    return [n for n in g.neighbours(node, mask) if n[0] == kind]


def accounts_of_person(g: LinkGraph, person: Node) -> list[Node]:
    """Accounts a person holds."""
    return _of_kind(g, person, _HOLDS, "account")


def kin_accounts(g: LinkGraph, account: Node) -> set[Node]:
    """The account and every other account of the same person(s)."""
    found = {account}
    for person in _of_kind(g, account, _HOLDS, "person"):
        found.update(accounts_of_person(g, person))
    return found


def owners_of(g: LinkGraph, merchant: Node) -> list[Node]:
    """Owner persons of a merchant."""
    return [n for n, _ in g.successors(merchant, _OWNS) if n[0] == "person"]


def sibling_merchants(g: LinkGraph, merchant: Node) -> set[Node]:
    """Other merchants registered by one of the merchant's owners or to its payout card (the
    same organiser's other shops)."""
    found: set[Node] = set()
    for anchor in owners_of(g, merchant):
        found.update(_of_kind(g, anchor, _OWNS, "merchant"))
    for card, _ in g.successors(merchant, _REG_CARD):
        found.update(_of_kind(g, card, _REG_CARD, "merchant"))
    found.discard(merchant)
    return found


def owner_accounts(g: LinkGraph, merchant: Node) -> list[Node]:
    """Accounts held by the merchant's owners."""
    return [a for p in owners_of(g, merchant) for a in accounts_of_person(g, p)]


def identity_of(g: LinkGraph, account: Node) -> set[Node]:
    """Person, phones, IDs, devices and own (drawdown) cards of an account."""
    ident = {n for n in g.neighbours(account, _IDENT) if n[0] != "account"}
    ident.update(n for n in g.neighbours(account, _DRAW) if n[0] == "card")
    return ident


def _merchant_identity(g: LinkGraph, merchant: Node) -> set[Node]:
    ident = set(owners_of(g, merchant))
    ident.update(n for n, _ in g.successors(merchant, _MCARD) if n[0] == "card")
    ident.update(n for n in g.neighbours(merchant, _DEVICE) if n[0] == "device")
    for account in owner_accounts(g, merchant):
        ident |= identity_of(g, account)
    return ident


def shared_identity(g: LinkGraph, buyer: Node, merchant: Node) -> tuple[Node, ...]:
    """Identity elements the buyer shares with the merchant's owner (person, phone, id, ...)."""
    return tuple(sorted(identity_of(g, buyer) & _merchant_identity(g, merchant)))
