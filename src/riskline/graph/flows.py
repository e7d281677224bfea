"""Money flows: does an account's money come back to it (or to its person) within a window?

Steps follow money out of an account (payments, transfers), out of a merchant
(payouts, and to its owner's accounts: takings are the owner's money), and from a
card to the accounts it belongs to (drawdown cards, merchant cards via the owner).
Links are aggregates, so the window test is on each link's last sighting and hop
order in time is not enforced (a documented over-approximation).

>>> from riskline.graph.linkgraph import LinkGraph
>>> from riskline.graph.types import EdgeKind
>>> g = LinkGraph()
>>> a, m, c = ("account", "a"), ("merchant", "m"), ("card", "c")
>>> for x, y, k in [(a, m, EdgeKind.PAYMENT), (m, c, EdgeKind.PAYOUT), (a, c, EdgeKind.DRAWDOWN)]:
...     _ = g.add_edge(x, y, k, 10.0, 1.0)
>>> [n for n, _ in fund_cycle(g, a, since=0.0)]
[('account', 'a'), ('merchant', 'm'), ('card', 'c'), ('account', 'a')]
"""

from __future__ import annotations

from collections.abc import Iterator

from riskline.graph.identity import kin_accounts, owner_accounts, owners_of
from riskline.graph.linkgraph import LinkGraph
from riskline.graph.types import EdgeKind, Link, Node, kinds_mask

__all__ = ["Step", "fund_cycle", "money_steps"]

Step = tuple[Node, tuple[Link, ...]]
"""A hop: the node reached and the links that evidence it."""

_ACCOUNT_OUT = kinds_mask({EdgeKind.PAYMENT, EdgeKind.TRANSFER})
_PAYOUT = kinds_mask({EdgeKind.PAYOUT})
_DRAW = kinds_mask({EdgeKind.DRAWDOWN})
_MCARD = kinds_mask({EdgeKind.MERCHANT_CARD})


def _owner_steps(g: LinkGraph, merchant: Node, via: tuple[Link, ...]) -> Iterator[Step]:
    for person in owners_of(g, merchant):
        owns = g.links(merchant)[person]
        for account in owner_accounts(g, merchant):
            holds = g.links(account).get(person)
            if holds is not None:
                yield account, (*via, owns, holds)


def money_steps(g: LinkGraph, node: Node, since: float) -> Iterator[Step]:
    """Where money at ``node`` goes next, over links seen since ``since``."""
    kind = node[0]
    if kind == "account":
        for other, link in g.successors(node, _ACCOUNT_OUT, since):
            yield other, (link,)
    elif kind == "merchant":
        for other, link in g.successors(node, _PAYOUT, since):
            yield other, (link,)
        yield from _owner_steps(g, node, ())
    elif kind == "card":
        for other, link in g.links(node).items():
            if other[0] == "account" and link.out_of(other, _DRAW):
                yield other, (link,)
            elif other[0] == "merchant" and link.has(_MCARD):
                yield from _owner_steps(g, other, (link,))


def fund_cycle(
    g: LinkGraph, account: Node, since: float, max_depth: int = 5, budget: int = 2000
) -> list[Step]:
    """A money path from ``account`` back to it or a kin account (empty if none is found).

    The path must pass a merchant or a foreign account, so paying one's own card is no cycle.
    """
    targets = kin_accounts(g, account)
    path: list[Step] = [(account, ())]
    on_path = {account}
    stack: list[Iterator[Step]] = [money_steps(g, account, since)]
    while stack and budget > 0:
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
            on_path.discard(path.pop()[0])
            continue
        budget -= 1
        node = step[0]
        if node in targets:
            if any(n[0] == "merchant" or (n[0] == "account" and n not in targets) for n, _ in path):
                return [*path, step]
            continue
        if node in on_path or len(path) >= max_depth:
            continue
        path.append(step)
        on_path.add(node)
        stack.append(money_steps(g, node, since))
    return []
