"""Money flows: does an account's money come back to it (or to its person) within a window?

Steps follow money out of an account (payments, transfers), out of a merchant
(payouts, and to its owner's accounts: takings are the owner's money), and from a
card to the accounts it belongs to (cards an account draws loans or sends money to,
merchant cards via the owner).

Money moves forward in time: along a path, each payment, transfer or payout link must
have been used at or after the time the money reached it (links are aggregates with a
first and a last sighting, so a hop is possible when its last sighting is not earlier
than the money's arrival, and the money leaves no earlier than the link's first
sighting). Ownership (a card held, a merchant owned) carries no time. A loop of
transfers needs three different accounts: two people sending money back and forth
(a household settling up) are not a cycle. With ``others_shop_only`` (the engine's
``graph.fund_cycle`` and ``graph.purchase_loop``) a purchase at one's own shop coming back
as its takings is no loop either: a shop's takings are its owner's money, as one's own card
is; the analyst's ring view (``rings``) still shows such self-dealing.

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

from riskline.graph.identity import kin_accounts, owner_accounts, owners_of, sibling_merchants
from riskline.graph.linkgraph import LinkGraph
from riskline.graph.types import EdgeKind, Link, Node, kinds_mask

__all__ = [
    "Step",
    "arrival",
    "fund_cycle",
    "loop_buyers",
    "money_steps",
    "passes_others_shop",
    "sibling_loop_buyers",
]

Step = tuple[Node, tuple[Link, ...]]
"""A hop: the node reached and the links that evidence it."""

_ACCOUNT_OUT = kinds_mask({EdgeKind.PAYMENT, EdgeKind.TRANSFER})
_PAYOUT = kinds_mask({EdgeKind.PAYOUT})
_MCARD = kinds_mask({EdgeKind.MERCHANT_CARD})
_PAID = kinds_mask({EdgeKind.PAYMENT, EdgeKind.PAYOUT})
_TRANSFER = kinds_mask({EdgeKind.TRANSFER})
_OWN_CARD = kinds_mask({EdgeKind.DRAWDOWN, EdgeKind.TRANSFER})
_OWNS = kinds_mask({EdgeKind.OWNS})


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
            if other[0] == "account" and link.out_of(other, _OWN_CARD):
                yield other, (link,)
            elif other[0] == "merchant" and link.has(_MCARD):
                yield from _owner_steps(g, other, (link,))


def _timed(link: Link) -> bool:
    """A payment, a payout or a transfer between accounts moves money at a time; a card's
    link to the account that draws loans or sends its own money to it says who holds it."""
    if link.has(_PAID):
        return True
    return link.has(_TRANSFER) and _between_accounts(link)


def arrival(via: tuple[Link, ...], at: float, min_transfer: float = 0.0) -> float | None:
    """When money that reached a step's start at ``at`` reaches its end (None: impossible,
    or a transfer between accounts averaging less than ``min_transfer``)."""
    for link in via:
        if _timed(link):
            if link.last_ts < at:
                return None
            small = link.amount < min_transfer * max(link.count, 1)
            if small and _between_accounts(link):
                return None
            at = max(at, link.first_ts)
    return at


def _between_accounts(link: Link) -> bool:
    return link.a[0] == "account" and link.b[0] == "account"


def _is_cycle(
    g: LinkGraph,
    path: list[Step],
    targets: set[Node],
    through_merchant: bool = False,
    others_shop_only: bool = False,
) -> bool:
    """A real loop: through a merchant (with ``others_shop_only``, one the account's own
    person does not own), or (unless ``through_merchant``) through at least two accounts of
    other people."""
    if others_shop_only:
        if passes_others_shop(g, path, targets):
            return True
    elif any(n[0] == "merchant" for n, _ in path):
        return True
    others = {n for n, _ in path if n[0] == "account" and n not in targets}
    return not through_merchant and len(others) >= 2


def passes_others_shop(g: LinkGraph, path: list[Step], accounts: set[Node]) -> bool:
    """Whether the path passes a merchant that none of ``accounts`` (an account and its kin)
    owns: a purchase that came back from someone else's shop."""
    return any(n[0] == "merchant" and accounts.isdisjoint(owner_accounts(g, n)) for n, _ in path)


def _forward(steps: list[Step], since: float, min_transfer: float) -> bool:
    """Whether money can take ``steps`` in this order, forward in time from ``since``."""
    at: float | None = since
    for _, via in steps:
        at = arrival(via, at, min_transfer) if at is not None else None
    return at is not None


def fund_cycle(
    g: LinkGraph,
    account: Node,
    since: float,
    max_depth: int = 5,
    budget: int = 2000,
    min_transfer: float = 0.0,
    through_merchant: bool = False,
    others_shop_only: bool = False,
) -> list[Step]:
    """A money loop through ``account`` (back to it or a kin account) whose hops follow each
    other in time since ``since``; empty if none is found.

    The loop may have started elsewhere (money from another member that passed through this
    account): one wrap in time is allowed, then the loop is checked in its own order. It
    must pass a merchant or two other people's accounts, so paying one's own card or
    settling up with one other person is no cycle; transfers between accounts averaging less
    than ``min_transfer`` carry no loop. With ``through_merchant`` only a loop that passes a
    merchant counts (a purchase that came back as the merchant's payout or takings): friends
    passing money round a circle of transfers is no such loop. With ``others_shop_only`` a
    merchant counts only when no account of the start's person owns it (a purchase at one's
    own shop comes back as its takings).
    """
    targets = kin_accounts(g, account)
    if not _can_return(g, targets, since, min_transfer):
        return []
    path: list[Step] = [(account, ())]
    clock: list[tuple[float, int]] = [(since, 0)]  # arrival time, position of the wrap (0: none)
    on_path = {account}
    stack: list[Iterator[Step]] = [money_steps(g, account, since)]
    while stack and budget > 0:
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
            clock.pop()
            on_path.discard(path.pop()[0])
            continue
        budget -= 1
        node, via = step
        at, wrap = clock[-1]
        when = arrival(via, at, min_transfer)
        if when is None and not wrap:
            when, wrap = arrival(via, since, min_transfer), len(path)
        if when is None:
            continue
        if node in targets:
            steps = [*path[1:], step]
            rotated = steps[wrap - 1 :] + steps[: wrap - 1] if wrap else steps
            if _is_cycle(g, path, targets, through_merchant, others_shop_only) and _forward(
                rotated, since, min_transfer
            ):
                return [*path, step]
            continue
        if node in on_path or len(path) >= max_depth:
            continue
        path.append(step)
        clock.append((when, wrap))
        on_path.add(node)
        stack.append(money_steps(g, node, since))
    return []


def _can_return(g: LinkGraph, targets: set[Node], since: float, min_transfer: float) -> bool:
    """Whether money from outside ``targets`` has any way in: the last hop of a loop enters a
    target from a node that is not one (a loop through the start account's own kin alone is
    no cycle), as a transfer from another account, as takings of a merchant its person owns,
    or through a card it holds that a merchant paid out to or another account sent money to.
    A necessary condition of :func:`fund_cycle`, checked first: most accounts have no way in,
    and the search is skipped for them.
    """
    for target in targets:
        for other, link in g.links(target).items():
            kind = other[0]
            if kind == "account":
                if other in targets or not link.out_of(other, _ACCOUNT_OUT):
                    continue
                if link.last_ts >= since and link.amount >= min_transfer * max(link.count, 1):
                    return True
            elif kind == "person":
                if any(
                    m[0] == "merchant" and x.out_of(m, _OWNS) for m, x in g.links(other).items()
                ):
                    return True
            elif kind == "card" and link.out_of(target, _OWN_CARD):
                for source, paid in g.links(other).items():
                    if source in targets or paid.last_ts < since:
                        continue
                    if source[0] == "merchant" and paid.out_of(source, _PAYOUT):
                        return True
                    if source[0] == "account" and paid.out_of(source, _ACCOUNT_OUT):
                        return True
    return False


def loop_buyers(g: LinkGraph, merchant: Node, since: float, budget: int = 2000) -> int:
    """Accounts whose purchase at ``merchant`` came back to them as its payout to their own
    card (a card they draw loans or send money to), after the purchase, since ``since``.

    A shop pays its takings to its owner's card (the owner's own purchases there do not
    count) in batches; a cash-out merchant pays each buyer's purchase back, less a fee.
    """
    found: set[Node] = set()
    owners = set(owner_accounts(g, merchant))  # an owner buying at the shop gets its takings
    for card, payout in g.successors(merchant, _PAYOUT, since):
        for holder, held in g.links(card).items():
            budget -= 1
            if budget <= 0:
                return len(found)
            if holder[0] != "account" or holder in found or holder in owners:
                continue
            if not held.out_of(holder, _OWN_CARD):
                continue
            paid = g.links(holder).get(merchant)
            if paid is None or not paid.out_of(holder, _PAID) or paid.last_ts < since:
                continue
            if arrival((paid, payout), since) is not None and _paid_back(paid, payout):
                found.add(holder)
    return len(found)


def sibling_loop_buyers(g: LinkGraph, merchant: Node, since: float, budget: int = 2000) -> int:
    """``loop_buyers`` of the merchant's siblings (``identity.sibling_merchants``: shops of
    the same owner or paid out to the same card), added up.

    A cash-out organiser whose first shop is found out registers another and moves the
    buyers there; the new shop has no loop of its own yet, its owner's old one has.
    """
    total = 0
    for sibling in sorted(sibling_merchants(g, merchant)):
        total += loop_buyers(g, sibling, since, budget)
        budget -= 1 + total
        if budget <= 0:
            break
    return total


def _paid_back(paid: Link, payout: Link) -> bool:
    """Whether the payouts are the purchases less a fee (a shop's settlement batches many
    sales; a cash-out merchant hands each purchase back, minus up to a fifth)."""
    spent = paid.amount / paid.count if paid.count else 0.0
    back = payout.amount / payout.count if payout.count else 0.0
    return spent > 0 and 0.8 * spent <= back <= spent
