"""Filing, disputes and expiry of this member's own entries.

Filing needs a case outcome that passed four-eyes (:func:`~riskline.consortium.types.check_outcome`)
and a reason; clear identifiers are turned into consortium tokens here and never stored. A data
subject's dispute takes their entries out of the next publication until the source reviews
them: *upheld* entries are published again, *withdrawn* ones never are and are purged.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import timedelta

from riskline.clock import Clock
from riskline.consortium.identifiers import ConsortiumHasher
from riskline.consortium.store import NodeStore
from riskline.consortium.types import ConfirmedOutcome, DisputeState, Entry, Reason, check_outcome
from riskline.errors import IllegalTransition, InvalidInput, NotFound

__all__ = ["Registry"]

_EVIDENCE = re.compile(r"^[A-Za-z0-9:_\-./#]{1,200}$")


class Registry:
    """This member's contributions to the consortium list."""

    def __init__(
        self,
        store: NodeStore,
        hasher: ConsortiumHasher,
        member: str,
        clock: Clock,
        default_ttl: timedelta = timedelta(days=730),
        max_ttl: timedelta = timedelta(days=1825),
    ) -> None:
        self.store = store
        self.hasher = hasher
        self.member = member
        self.clock = clock
        self.default_ttl = default_ttl
        self.max_ttl = max_ttl

    def file(
        self,
        outcome: ConfirmedOutcome,
        identifiers: Mapping[str, str],
        reason: Reason | str,
        evidence: str,
        ttl: timedelta | None = None,
    ) -> list[Entry]:
        """List a person's identifiers (clear values, hashed here) for a confirmed fraud case."""
        check_outcome(outcome)
        try:
            why = Reason(reason)
        except ValueError:
            known = ", ".join(r.value for r in Reason)
            raise InvalidInput(f"unknown reason {reason!r}; use one of {known}") from None
        if not _EVIDENCE.match(evidence):
            raise InvalidInput(
                "evidence must be a reference (1-200 of A-Z a-z 0-9 : _ - . / #), not content"
            )
        ttl = ttl or self.default_ttl
        if not timedelta(0) < ttl <= self.max_ttl:
            raise InvalidInput(f"an entry must expire within {self.max_ttl.days} days")
        tokens = self.hasher.tokens(identifiers)
        if not tokens:
            raise InvalidInput("filing needs at least one identifier (phone, id or device)")
        now = self.clock.now()
        entries = [
            Entry(
                entry_id=uuid.uuid4().hex,
                token=token,
                reason=why,
                source=self.member,
                evidence=evidence,
                filed_at=now,
                expires_at=now + ttl,
                case_id=outcome.case_id,
            )
            for token in tokens.values()
        ]
        self.store.add_entries(entries)
        return entries

    def dispute(self, identifiers: Mapping[str, str]) -> list[Entry]:
        """The data subject disputes every live entry on their identifiers; the ones opened."""
        tokens = self.hasher.tokens(identifiers)
        now = self.clock.now()
        found = [
            e
            for e in self.store.by_tokens(tokens.values())
            if e.dispute is DisputeState.NONE and now < e.expires_at
        ]
        if not found:
            raise NotFound("no disputable entry on these identifiers")
        for e in found:
            self.store.set_dispute(e.entry_id, DisputeState.OPEN)
        return [self.store.get(e.entry_id) for e in found]

    def review(self, entry_id: str, uphold: bool) -> Entry:
        """The source's review of an open dispute: uphold (publish again) or withdraw."""
        entry = self.store.get(entry_id)
        if entry.dispute is not DisputeState.OPEN:
            raise IllegalTransition(
                f"entry {entry_id} has no open dispute (state {entry.dispute.value})"
            )
        state = DisputeState.UPHELD if uphold else DisputeState.WITHDRAWN
        self.store.set_dispute(entry_id, state)
        return self.store.get(entry_id)

    def purge(self) -> int:
        """Delete expired and withdrawn entries now."""
        return self.store.purge(self.clock.now())
