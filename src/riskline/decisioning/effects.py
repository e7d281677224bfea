"""Turning outcomes and policy actions into changes on credit lines.

The engine calls these with the lines of the event's owner, already loaded into
the open :class:`~riskline.decisioning.ports.Batch`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from riskline.credit import (
    Actor,
    BandTable,
    Close,
    CreditLine,
    CutLimit,
    Freeze,
    LineCommand,
    LineStatus,
    apply,
    expire_freeze,
)
from riskline.decisioning.context import product_of
from riskline.decisioning.merchant_actions import MERCHANT_KINDS
from riskline.decisioning.policy import ActionSpec
from riskline.decisioning.ports import Batch
from riskline.decisioning.types import Action, ActionKind, Outcome, Reason
from riskline.errors import IllegalTransition, InvalidInput
from riskline.events import types as t

__all__ = [
    "LineBook",
    "apply_specs",
    "credit_effects",
    "credit_gate",
    "expire_freezes",
    "open_line_for",
]


class LineBook:
    """The lines touched by one batch, keyed by (owner, product)."""

    def __init__(
        self,
        batch: Batch,
        owners: Iterable[str],
        loader: Callable[[Iterable[str]], Sequence[CreditLine]],
    ) -> None:
        self.batch = batch
        self._loader = loader
        self._by_owner: dict[str, dict[t.Product, CreditLine]] = {}
        self._loaded: set[str] = set()
        self.load(owners)

    def load(self, owners: Iterable[str]) -> None:
        """Bring the lines of owners not seen yet into the book."""
        wanted = [o for o in dict.fromkeys(owners) if o not in self._loaded]
        if not wanted:
            return
        self._loaded.update(wanted)
        for line in self._loader(wanted):
            if line.line_id not in self.batch.lines:
                self._by_owner.setdefault(line.owner_id, {})[line.product] = line
                self.batch.base_versions[line.line_id] = line.version

    def get(self, owner_id: str, product: t.Product) -> CreditLine | None:
        """The owner's line for ``product``, if any."""
        lines = self._by_owner.get(owner_id)
        return None if lines is None else lines.get(product)

    def of(self, owner_id: str) -> list[CreditLine]:
        """All lines of an owner."""
        return list(self._by_owner.get(owner_id, {}).values())

    def put(self, line: CreditLine, *, new: bool = False) -> None:
        """Record a new state of a line for the batch."""
        self._by_owner.setdefault(line.owner_id, {})[line.product] = line
        self.batch.lines[line.line_id] = line
        if new:
            self.batch.new_lines.add(line.line_id)

    def change(
        self,
        line: CreditLine,
        cmd: LineCommand,
        reasons: tuple[str, ...],
        decision_id: str,
        at: datetime,
    ) -> CreditLine:
        """Apply a state-machine command by the engine and record it."""
        new, change = apply(line, cmd, Actor.engine(), reasons, decision_id, at)
        self.put(new)
        self.batch.changes.append(change)
        return new


def credit_gate(
    event: t.Event, line: CreditLine | None, product: t.Product | None
) -> Reason | None:
    """A built-in decline when the event would draw on a line that cannot pay for it."""
    draws = isinstance(event, t.Payment | t.LoanDrawdown) and product is not None
    if not draws:
        return None
    amount: Decimal = getattr(event, "amount")  # noqa: B009 - both draw types carry amount
    if line is None:
        return Reason("NO_CREDIT_LINE", "There is no credit line for this product yet.")
    if line.status in (LineStatus.FROZEN, LineStatus.CLOSED):
        return Reason(
            "LINE_NOT_USABLE",
            "This credit product is currently unavailable on your account.",
            {"line.status": line.status.value},
        )
    if amount > line.available:
        return Reason(
            "INSUFFICIENT_LIMIT",
            "The amount is more than the credit available.",
            {"event.amount": float(amount), "line.available": float(line.available)},
        )
    return None


def open_line_for(
    event: t.Event, outcome: Outcome, book: LineBook, bands: BandTable, score: float
) -> Action | None:
    """Open the line an approved application (or a new account) asks for."""
    if outcome is Outcome.DECLINE:
        return None
    owner, kind, product = _line_request(event)
    if owner is None or product is None:
        return None
    if outcome is not Outcome.APPROVE and not isinstance(event, t.AccountOpened):
        return None
    if book.get(owner, product) is not None:
        return None
    limit = bands.limit_for(score, product)
    if limit <= 0:
        return None
    line_id = f"ln_{product.value}_{owner}"
    book.put(CreditLine.open(line_id, owner, kind, product, limit, event.occurred_at), new=True)
    return Action(ActionKind.OPEN_LINE, product, owner, limit=limit)


def _line_request(event: t.Event) -> tuple[str | None, str, t.Product | None]:
    if isinstance(event, t.AccountOpened):
        return event.account_id, "account", t.Product.REVOLVING
    if isinstance(event, t.LoanApplication) and event.channel is t.Channel.INTERNAL:
        return event.account_id, "account", event.product
    if isinstance(event, t.EnterpriseLoanApplication):
        return event.enterprise_id, "enterprise", t.Product.ENTERPRISE_CREDIT
    return None, "", None


def apply_specs(
    specs: Sequence[tuple[ActionSpec, str]],
    owner: str | None,
    book: LineBook,
    decision_id: str,
    at: datetime,
) -> list[Action]:
    """Carry out the policy's actions on the owner's lines; record what was (not) applied.

    Each line change carries the reason codes of the checks that asked for it.
    """
    done: list[Action] = []
    for spec, reasons in _merge(specs):
        if spec.kind in MERCHANT_KINDS:  # the event's merchant, not the owner's lines
            continue
        handler = _HANDLERS.get(spec.kind)
        if handler is None or owner is None or spec.product is None:
            done.append(Action(ActionKind(spec.kind), spec.product, owner))
            continue
        line = book.get(owner, spec.product)
        if line is None:
            done.append(
                Action(ActionKind(spec.kind), spec.product, owner, applied=False, note="no line")
            )
            continue
        done.append(handler(spec, line, book, reasons, decision_id, at))
    return done


def _merge(specs: Sequence[tuple[ActionSpec, str]]) -> list[tuple[ActionSpec, tuple[str, ...]]]:
    """One action per (kind, product): the longest freeze, the deepest cut, all their reasons."""
    best: dict[tuple[str, t.Product | None], ActionSpec] = {}
    why: dict[tuple[str, t.Product | None], list[str]] = {}
    for s, code in specs:
        key = (s.kind, s.product)
        prev = best.get(key)
        if prev is None or (s.days or 0) > (prev.days or 0) or (s.factor or 1) < (prev.factor or 1):
            best[key] = s
        codes = why.setdefault(key, [])
        if code not in codes:
            codes.append(code)
    order = {"close": 0, "freeze": 1, "cut_limit": 2}
    merged = sorted(best.items(), key=lambda kv: order.get(kv[1].kind, 3))
    return [(spec, tuple(why[key])) for key, spec in merged]


Handler = Callable[[ActionSpec, CreditLine, LineBook, tuple[str, ...], str, datetime], Action]


def _freeze(
    spec: ActionSpec, line: CreditLine, book: LineBook, r: tuple[str, ...], d: str, at: datetime
) -> Action:
    days = spec.days or 30
    return _try(
        book,
        line,
        Freeze(days, spec.review_days),
        r,
        d,
        at,
        Action(ActionKind.FREEZE, line.product, line.owner_id, days=days),
    )


def _cut(
    spec: ActionSpec, line: CreditLine, book: LineBook, r: tuple[str, ...], d: str, at: datetime
) -> Action:
    full = line.previous_limit if line.previous_limit is not None else line.limit
    to = (full * Decimal(str(spec.factor))).quantize(Decimal(1), rounding=ROUND_DOWN)
    if to >= line.limit:
        return Action(
            ActionKind.CUT_LIMIT,
            line.product,
            line.owner_id,
            limit=line.limit,
            applied=False,
            note="limit already at or below the target",
        )
    return _try(
        book,
        line,
        CutLimit(to),
        r,
        d,
        at,
        Action(ActionKind.CUT_LIMIT, line.product, line.owner_id, limit=to),
    )


def _close(
    spec: ActionSpec, line: CreditLine, book: LineBook, r: tuple[str, ...], d: str, at: datetime
) -> Action:
    action = Action(ActionKind.CLOSE, line.product, line.owner_id)
    if line.status in (LineStatus.ACTIVE, LineStatus.LIMITED):
        line = book.change(line, Freeze(3650, 0), r, d, at)
    return _try(book, line, Close(), r, d, at, action)


def _try(
    book: LineBook,
    line: CreditLine,
    cmd: LineCommand,
    r: tuple[str, ...],
    d: str,
    at: datetime,
    action: Action,
) -> Action:
    try:
        book.change(line, cmd, r, d, at)
    except (IllegalTransition, InvalidInput) as err:
        return Action(
            action.kind,
            action.product,
            action.owner_id,
            action.days,
            action.limit,
            False,
            err.message,
        )
    return action


_HANDLERS: dict[str, Handler] = {"freeze": _freeze, "cut_limit": _cut, "close": _close}


def credit_effects(
    event: t.Event,
    outcome: Outcome,
    book: LineBook,
    bands: BandTable,
    score: float | None,
    owner: str | None,
) -> list[Action]:
    """Open requested lines; draw or repay on approved money movements."""
    opened = open_line_for(event, outcome, book, bands, score) if score is not None else None
    if opened is not None:
        return [opened]
    if owner is None or outcome is not Outcome.APPROVE:
        return []
    product = product_of(event)
    current = book.get(owner, product) if product else None
    if current is None:
        return []
    amount = getattr(event, "amount", None)
    if isinstance(event, t.Payment | t.LoanDrawdown) and amount is not None:
        book.put(current.draw(amount, event.occurred_at))
    elif isinstance(event, t.Repayment) and amount is not None:
        book.put(current.repay(amount, event.occurred_at))
    return []


def expire_freezes(book: LineBook, owner: str, at: datetime) -> None:
    """Reinstate the owner's lines whose freeze has run out (recorded as system changes)."""
    for line in book.of(owner):
        expired = expire_freeze(line, at)
        if expired:
            book.put(expired[0])
            book.batch.changes.append(expired[1])
