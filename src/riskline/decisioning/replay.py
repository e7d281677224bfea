"""The graph flags a replay of the ledger sets again, and after which event.

Flags are not ledger events, so :meth:`Engine.rebuild <riskline.decisioning.Engine.rebuild>`
reads them back from the durable record and sets each where it was first set: a freeze's
``line_frozen`` (``Engine._contagion``) right after the event whose stored decision set it, a
block-list entry's ``blocklist:<source>`` (API, case approval) after the last event committed
before the entry was added (the audit log orders the two).

>>> from riskline.decisioning.types import Action, ActionKind
>>> froze([Action(ActionKind.FREEZE, owner_id="a1")], "a1"), froze([], "a1")
(True, False)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from riskline.decisioning.policy import ContagionSpec
from riskline.decisioning.ports import EngineStore
from riskline.decisioning.types import (
    CREDIT_GATE_CODES,
    STEP_UP_CODE,
    Action,
    ActionKind,
    Decision,
    Outcome,
)

__all__ = ["FlagRecord", "flagged_by", "froze", "protects_only", "read_flags"]

Flag = tuple[str, str, str]
"""kind, key, reason: the arguments of ``GraphSource.flag``."""


@dataclass(frozen=True, slots=True)
class FlagRecord:
    """Flags to set again: owners of frozen lines and block-list flags, by ledger event id
    (None: before the first event)."""

    frozen: Mapping[str, str] = field(default_factory=dict)
    blocked: Mapping[str | None, Sequence[Flag]] = field(default_factory=dict)


def read_flags(store: EngineStore, contagion: ContagionSpec | None) -> FlagRecord:
    """The record from the store (``Unavailable`` when the store cannot answer)."""
    frozen: dict[str, str] = {}
    if contagion is not None:  # without contagion no freeze flags anyone
        decisions = store.freezing_decisions()
        frozen = {d.event_id: d.subject for d in decisions if flagged_by(d, contagion)}
    blocked: dict[str | None, list[Flag]] = {}
    for after, kind, value, source in store.block_additions():
        blocked.setdefault(after, []).append((kind, value, f"blocklist:{source}"))
    return FlagRecord(frozen, blocked)


def flagged_by(decision: Decision, spec: ContagionSpec) -> bool:
    """Whether deciding ``decision`` flagged its owner ``line_frozen`` (``Engine._contagion``):
    it froze or closed the owner's own line, was not a challenge's hold (a challenge that
    carries contagion's reasons was made one by contagion, after the flag) and had evidence
    other than the policy's protective codes."""
    if not froze(decision.actions, decision.subject):
        return False
    spread_codes = {spec.reason.code, spec.reverse_reason.code}
    if any(r.code in spread_codes for r in decision.reasons):
        return True
    if decision.outcome is Outcome.CHALLENGE:
        return False
    return not protects_only([r.code for r in decision.reasons], spec)


def protects_only(codes: Sequence[str], spec: ContagionSpec) -> bool:
    """Whether the only evidence among ``codes`` is the policy's protective codes (credit
    gates and a passed step-up are no evidence either way).

    >>> from riskline.decisioning.policy import ReasonSpec
    >>> spec = ContagionSpec(roles=["guarantor"], reason=ReasonSpec(code="LINKED", text="t"),
    ...                      actions=[], protective=["NEW_DEVICE_DRAWDOWN"])
    >>> protects_only(["NEW_DEVICE_DRAWDOWN", "INSUFFICIENT_LIMIT"], spec)
    True
    >>> protects_only(["NEW_DEVICE_DRAWDOWN", "MULE_CARD"], spec), protects_only([], spec)
    (False, False)
    """
    evidence = set(codes) - CREDIT_GATE_CODES - {STEP_UP_CODE}
    return bool(evidence) and evidence <= set(spec.protective)


def froze(actions: Sequence[Action], owner: str | None) -> bool:
    """Whether ``actions`` froze or closed one of ``owner``'s own lines."""
    return any(
        a.applied and a.owner_id == owner and a.kind in (ActionKind.FREEZE, ActionKind.CLOSE)
        for a in actions
    )
