"""The challenge follower: turns every challenged decision in the ledger into one challenge.

It reads ``events`` (ledger order, ``seq``) joined to ``decisions`` after a durable cursor.
Creating the challenges and moving the cursor happen in one transaction, and a challenge's
``decision_id`` is unique, so a crash, a restart or two followers re-scanning the same rows
never create a second challenge for a decision. ``seq`` follows commit order because one
writer commits the ledger. A challenge lives from its decision's ``decided_at``, so one
created late by a follower that was down is already expired rather than extended.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from riskline.identity.challenges import Challenge, ChallengeRules
from riskline.identity.store import ChallengedDecision

__all__ = ["ChallengeFollower", "FollowerStore"]


class FollowerStore(Protocol):
    """What the follower needs from storage."""

    def cursor(self, name: str) -> int: ...

    def scan(self, after: int, limit: int) -> tuple[list[ChallengedDecision], int]: ...

    def create(self, found: Sequence[Challenge], cursor_name: str, seq: int) -> int: ...


class ChallengeFollower:
    """Creates challenges for challenged decisions, ``batch`` ledger rows at a time."""

    def __init__(
        self,
        store: FollowerStore,
        rules: ChallengeRules | None = None,
        name: str = "stepup",
        batch: int = 1000,
    ) -> None:
        self.store = store
        self.rules = rules or ChallengeRules()
        self.name = name
        self.batch = batch

    def step(self) -> tuple[int, bool]:
        """Handle the next batch of ledger rows: (challenges created, whether rows remain)."""
        after = self.store.cursor(self.name)
        found, upper = self.store.scan(after, self.batch)
        if upper == after:
            return 0, False
        challenges = [
            Challenge.open(
                f.decision_id,
                f.event_id,
                f.seq,
                f.subject,
                f.person_id,
                self.rules,
                f.decided_at,
            )
            for f in found
        ]
        return self.store.create(challenges, self.name, upper), True

    def catch_up(self, max_steps: int = 1000) -> int:
        """Follow the ledger to its end (at most ``max_steps`` batches); challenges created."""
        total = 0
        for _ in range(max_steps):
            created, more = self.step()
            total += created
            if not more:
                break
        return total
