"""Step-up challenges: a challenged decision's action waits until the user passes identity checks.

A challenge is created once per decision with outcome ``challenge``. Each submitted check
either passes (recorded) or fails (one attempt used). When every required check has passed
the challenge is ``passed`` and its held action is released; after ``max_attempts`` failures it
is ``failed``; once ``expires_at`` is reached while pending it is ``expired``.

>>> from datetime import datetime, timedelta, timezone
>>> t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
>>> c = Challenge.open("d_1", "e1", 7, "a1", "p1", ChallengeRules(), t0)
>>> c = c.record(Check.DEVICE, True, t0).record(Check.FACE, False, t0)
>>> c.status.value, c.attempts, sorted(x.value for x in c.passed)
('pending', 1, ['device'])
>>> c.record(Check.FACE, True, t0).status.value
'passed'
>>> c.at(t0 + timedelta(hours=1)).status.value
'expired'
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from riskline.errors import Conflict, InvalidInput

__all__ = ["Challenge", "ChallengeRules", "ChallengeStatus", "Check", "challenge_id_for"]


class ChallengeStatus(StrEnum):
    """Where a challenge is; only ``pending`` accepts checks."""

    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"
    EXPIRED = "expired"


class Check(StrEnum):
    """An identity check a challenge may require."""

    DEVICE = "device"
    FACE = "face"


@dataclass(frozen=True, slots=True)
class ChallengeRules:
    """What new challenges require, how many failures they allow and how long they live."""

    required: tuple[Check, ...] = (Check.DEVICE, Check.FACE)
    max_attempts: int = 3
    ttl: timedelta = timedelta(minutes=30)

    def __post_init__(self) -> None:
        if not self.required:
            raise InvalidInput("a challenge needs at least one required check")
        if self.max_attempts < 1 or self.ttl <= timedelta(0):
            raise InvalidInput("max_attempts must be >= 1 and ttl positive")


def challenge_id_for(decision_id: str) -> str:
    """Deterministic challenge id: one challenge per decision, whoever creates it.

    >>> challenge_id_for("d_1") == challenge_id_for("d_1")
    True
    """
    return "ch_" + hashlib.sha256(decision_id.encode()).hexdigest()[:24]


@dataclass(frozen=True, slots=True)
class Challenge:
    """One step-up challenge and its progress."""

    challenge_id: str
    decision_id: str
    event_id: str
    seq: int
    subject: str
    person_id: str | None
    required: frozenset[Check]
    passed: frozenset[Check]
    status: ChallengeStatus
    attempts: int
    max_attempts: int
    created_at: datetime
    expires_at: datetime
    updated_at: datetime
    device_id: str | None = None
    flags: tuple[str, ...] = ()
    release_event_id: str | None = None
    release_decision_id: str | None = None
    release_outcome: str | None = None
    version: int = 1

    @classmethod
    def open(
        cls,
        decision_id: str,
        event_id: str,
        seq: int,
        subject: str,
        person_id: str | None,
        rules: ChallengeRules,
        at: datetime,
    ) -> Challenge:
        """A new pending challenge for a challenged decision decided at ``at``."""
        return cls(
            challenge_id_for(decision_id),
            decision_id,
            event_id,
            seq,
            subject,
            person_id,
            frozenset(rules.required),
            frozenset(),
            ChallengeStatus.PENDING,
            0,
            rules.max_attempts,
            at,
            at + rules.ttl,
            at,
        )

    @property
    def missing(self) -> frozenset[Check]:
        """Required checks not passed yet."""
        return self.required - self.passed

    @property
    def released(self) -> bool:
        """Whether the held action has been handed back to the engine."""
        return self.release_decision_id is not None

    def at(self, now: datetime) -> Challenge:
        """This challenge as it stands at ``now`` (a pending one past its expiry is expired)."""
        if self.status is ChallengeStatus.PENDING and now >= self.expires_at:
            return replace(self, status=ChallengeStatus.EXPIRED, updated_at=now)
        return self

    def record(
        self, check: Check, ok: bool, now: datetime, *, device_id: str | None = None
    ) -> Challenge:
        """The challenge after one check result; :class:`Conflict` unless pending at ``now``."""
        current = self.at(now)
        if current.status is not ChallengeStatus.PENDING:
            raise Conflict(f"challenge {self.challenge_id} is {current.status.value}")
        if check not in self.required:
            raise InvalidInput(f"challenge {self.challenge_id} does not ask for a {check} check")
        device = device_id if device_id is not None else self.device_id
        if not ok:
            attempts = self.attempts + 1
            status = (
                ChallengeStatus.FAILED if attempts >= self.max_attempts else ChallengeStatus.PENDING
            )
            return replace(self, attempts=attempts, status=status, updated_at=now, device_id=device)
        passed = self.passed | {check}
        status = ChallengeStatus.PASSED if passed >= self.required else ChallengeStatus.PENDING
        return replace(self, passed=passed, status=status, updated_at=now, device_id=device)

    def with_flags(self, flags: tuple[str, ...]) -> Challenge:
        """This challenge with spoofing flags added (kept for review, in order, once each)."""
        return replace(self, flags=tuple(dict.fromkeys((*self.flags, *flags))))

    def with_release(
        self, event_id: str | None, decision_id: str, outcome: str, now: datetime
    ) -> Challenge:
        """This passed challenge with the decision its released action received."""
        if self.status is not ChallengeStatus.PASSED:
            raise Conflict(f"challenge {self.challenge_id} has not passed")
        return replace(
            self,
            release_event_id=event_id,
            release_decision_id=decision_id,
            release_outcome=outcome,
            updated_at=now,
        )
