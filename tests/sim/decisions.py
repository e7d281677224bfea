"""Decisions written by hand for the evaluator's tests: only the fields it reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reason:
    code: str


@dataclass(frozen=True)
class Action:
    kind: str
    product: str | None = None
    owner_id: str | None = None
    applied: bool = True


@dataclass(frozen=True)
class Decision:
    event_id: str
    outcome: str
    subject: str
    actions: tuple[Action, ...] = ()
    reasons: tuple[Reason, ...] = ()
    scores: Mapping[str, float] = field(default_factory=dict)
