"""The challenge follower: turns every challenged decision in the ledger into one challenge.

It reads ``events`` (ledger order, ``seq``) joined to ``decisions`` after a durable cursor
(:class:`riskline.projection.Follow`: bounded windows, and now and then a re-read of the last
``rescan`` positions for rows a concurrent writer committed late). Creating the challenges and
moving the cursor happen in one transaction, and a challenge's ``decision_id`` is unique, so a
crash, a restart or two followers re-scanning the same rows never create a second challenge for
a decision. A challenge lives from its decision's ``decided_at``, so one created late by a
follower that was down is already expired rather than extended.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Connection, Engine

from riskline.identity.challenges import Challenge, ChallengeRules
from riskline.identity.store import ChallengedDecision
from riskline.projection import Cursors, Follow
from riskline.storage import tables as tb

__all__ = ["ChallengeFollower", "FollowerStore"]


class FollowerStore(Protocol):
    """What the follower needs from storage (``SqlChallengeStore``)."""

    @property
    def engine(self) -> Engine: ...

    @property
    def cursors(self) -> Cursors: ...

    def challenged(self, conn: Connection, lo: int, hi: int) -> list[ChallengedDecision]: ...

    def insert(self, conn: Connection, found: Sequence[Challenge]) -> int: ...


class ChallengeFollower:
    """Creates challenges for challenged decisions, ``batch`` ledger rows at a time."""

    def __init__(
        self,
        store: FollowerStore,
        rules: ChallengeRules | None = None,
        name: str = "stepup",
        batch: int = 1000,
        rescan: int = 1000,
        rescan_every: int = 20,
    ) -> None:
        self.store = store
        self.rules = rules or ChallengeRules()
        self.follow = Follow(
            name,
            tb.events.c.seq,
            batch=batch,
            rescan=rescan,
            rescan_every=rescan_every,
            cursors=store.cursors,
        )

    def step(self) -> tuple[int, bool]:
        """Handle the next batch of ledger rows: (challenges created, whether rows remain)."""
        with self.store.engine.begin() as conn:
            return self.follow.step(conn, self._create, 0, None)  # stepup_cursors keeps no time

    def catch_up(self, max_steps: int = 1000) -> int:
        """Follow the ledger to its end (at most ``max_steps`` batches); challenges created."""
        total = 0
        for _ in range(max_steps):
            created, more = self.step()
            total += created
            if not more:
                break
        return total

    def _create(self, conn: Connection, lo: int, hi: int) -> tuple[int, bool]:
        found = self.store.challenged(conn, lo, hi)
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
        return self.store.insert(conn, challenges), bool(found)
