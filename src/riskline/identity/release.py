"""Releasing a passed challenge's held action through the engine (the single writer).

Two steps, both on the writer and both safe to repeat:

1. Lift the protective freeze the challenged decision put on the subject's line, but only
   while that freeze is the line's last change and nothing else restricts it (a later freeze,
   a cut limit, an analyst's action stay untouched).
2. Re-submit the held event with a derived event id, ``occurred_at`` = now and
   ``step_up = <challenge id>``. The engine decides it like any event, except that checks
   whose outcome is ``challenge`` are satisfied: review and decline checks, the credit gate
   and the line's available limit still apply. The derived id makes a repeat a replay.

Only events whose approval has a credit effect (payments, drawdowns, loan applications) are
re-submitted; for others passing the challenge is the whole outcome.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from riskline.clock import Clock
from riskline.credit import Actor, CreditLine, LineChange, LineStatus, Reinstate, apply
from riskline.decisioning import ActionKind, BatchResult, Decision
from riskline.errors import Unavailable
from riskline.events import Event
from riskline.identity.challenges import Challenge

__all__ = [
    "HELD_TYPES",
    "EngineRelease",
    "HeldActionRelease",
    "Released",
    "lift_challenge_freeze",
    "release_event_id",
    "released_event",
]

T = TypeVar("T")
HELD_TYPES = frozenset(
    {"payment", "loan_drawdown", "loan_application", "enterprise_loan_application"}
)
"""Event types whose approval moves money or opens a line: what a challenge holds."""
REASON = "STEP_UP_PASSED"


@dataclass(frozen=True, slots=True)
class Released:
    """What releasing gave: the re-submitted event's id and decision (``None`` if nothing held)."""

    event_id: str | None
    decision_id: str
    outcome: str


class HeldActionRelease(Protocol):
    """Hands a passed challenge's held action back to the decision path."""

    def release(self, challenge: Challenge) -> Released: ...


class Writer(Protocol):
    """The single writer (:class:`riskline.service.Ingestor`) as release uses it."""

    def call(self, fn: Callable[[], T]) -> Future[T]: ...

    def process(self, events: Sequence[Event]) -> BatchResult: ...


class LineDesk(Protocol):
    """Line reads and analyst-style writes (:class:`riskline.storage.SqlStore`)."""

    def get_decision(self, decision_id: str) -> Decision: ...

    def lines_for(self, owner_ids: Iterable[str]) -> Sequence[CreditLine]: ...

    def line_history(self, line_id: str) -> list[LineChange]: ...

    def apply_change(self, line: CreditLine, new: CreditLine, change: LineChange) -> None: ...


class EventSource(Protocol):
    """Reads a stored event by id."""

    def event(self, event_id: str) -> Event: ...


def release_event_id(event_id: str) -> str:
    """The derived id of a held event's re-submission (fits the 128-character id limit).

    >>> release_event_id("ev-9")
    'ev-9:stepup'
    """
    derived = f"{event_id}:stepup"
    if len(derived) <= 128:
        return derived
    return "stepup:" + hashlib.sha256(event_id.encode()).hexdigest()[:40]


def released_event(original: Event, challenge: Challenge, at: datetime) -> Event:
    """The held event as re-submitted: derived id, now, and the passed challenge's id."""
    if not any(f.name == "step_up" for f in dataclasses.fields(original)):
        raise Unavailable(
            "this engine cannot release held actions: events have no step_up marker "
            "(see docs/identity.md, 'Release')"
        )
    changes: dict[str, Any] = {
        "event_id": release_event_id(original.event_id),
        "occurred_at": max(at, original.occurred_at),
        "step_up": challenge.challenge_id,
    }
    return dataclasses.replace(original, **changes)


def lift_challenge_freeze(desk: LineDesk, challenge: Challenge, at: datetime) -> list[str]:
    """Reinstate lines frozen by the challenged decision and changed by nothing since; the
    ids of the lines reinstated."""
    decision = desk.get_decision(challenge.decision_id)
    frozen = {
        a.product
        for a in decision.actions
        if a.kind is ActionKind.FREEZE and a.applied and a.owner_id == challenge.subject
    }
    lifted: list[str] = []
    for line in desk.lines_for([challenge.subject]):
        if line.product not in frozen or line.status is not LineStatus.FROZEN:
            continue
        if line.previous_limit is not None:
            continue
        history = desk.line_history(line.line_id)
        last = history[-1] if history else None
        if last is None or last.action != "freeze" or last.decision_id != challenge.decision_id:
            continue
        actor = Actor("stepup", challenge.challenge_id)
        new, change = apply(line, Reinstate(), actor, (REASON,), challenge.decision_id, at)
        desk.apply_change(line, new, change)
        lifted.append(line.line_id)
    return lifted


class EngineRelease:
    """Releases through the writer: lift the challenge's freeze, re-submit the held event."""

    def __init__(self, writer: Writer, desk: LineDesk, events: EventSource, clock: Clock) -> None:
        self.writer = writer
        self.desk = desk
        self.events = events
        self.clock = clock

    def release(self, challenge: Challenge) -> Released:
        """Idempotent: a repeat finds the line already reinstated and replays the event."""
        original = self.events.event(challenge.event_id)
        if original.type not in HELD_TYPES:
            return Released(None, challenge.decision_id, "none")
        now = self.clock.now()
        event = released_event(original, challenge, now)
        self.writer.call(lambda: lift_challenge_freeze(self.desk, challenge, now)).result()
        decision = self.writer.process([event]).decisions[0]
        return Released(event.event_id, decision.decision_id, decision.outcome.value)
