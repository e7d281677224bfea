"""The querier's side in decisions: screen applicants, write hits to lists, feed features.

* :class:`Screener` checks a batch of applicants against every peer's blacklist (PSI; only my
  own matching items are learnt) and counts, per applicant, the peers that saw them apply
  recently (PSI cardinality of that person's identifiers: one bit per peer, never the peer's
  other applicants).
* :class:`ListWriter` puts each hit on the local ``watch`` (or ``block``) list under the local
  entity id, with source ``consortium:<member>`` and an expiry, so rules read it with
  ``in_list("watch", "phone", event.phone_id)``.
* :class:`SignalBook` + :class:`ConsortiumFeatures` expose ``consortium.lenders_30d`` and
  ``consortium.hits`` to rules and policy as features of the event's entities.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Protocol

from riskline.consortium.identifiers import Applicant
from riskline.consortium.types import Hit, Reason
from riskline.events.types import Event
from riskline.rules import ListEntry, ListStore

__all__ = [
    "SIGNAL_SCHEMA",
    "ConsortiumFeatures",
    "ListWriter",
    "Peer",
    "Screener",
    "SignalBook",
]

SIGNAL_SCHEMA: Final = {"consortium.lenders_30d": "number", "consortium.hits": "number"}
"""Features the consortium adds (absent when the entity was never screened)."""


class Peer(Protocol):
    """What screening needs of a peer: its id, blacklist matches and applicant counts."""

    peer: str

    def query(self, items: Sequence[str]) -> list[tuple[int, str]]: ...

    def count(self, items: Sequence[str]) -> int: ...


@dataclass(frozen=True, slots=True)
class Screener:
    """Screens applicants against every peer."""

    peers: Sequence[Peer]
    max_batch: int = 10_000

    def hits(self, applicants: Sequence[Applicant]) -> list[Hit]:
        """Every (applicant, identifier, peer, reason) found on a peer's blacklist."""
        flat = [(a.ref, kind, tok) for a in applicants for kind, tok in sorted(a.tokens.items())]
        tokens = sorted({tok for _, _, tok in flat})
        found: list[Hit] = []
        for peer in self.peers:
            listed: dict[str, set[str]] = {}
            for start in range(0, len(tokens), self.max_batch):
                chunk = tokens[start : start + self.max_batch]
                for i, reason in peer.query(chunk):
                    listed.setdefault(chunk[i], set()).add(reason)
            found += [
                Hit(ref, kind, tok, peer.peer, Reason(reason))
                for ref, kind, tok in flat
                for reason in sorted(listed.get(tok, ()))
            ]
        return found

    def lenders(self, applicant: Applicant) -> int:
        """How many peers saw this person apply within their window."""
        items = sorted(applicant.tokens.values())
        return sum(1 for p in self.peers if items and p.count(items) > 0)


@dataclass(frozen=True, slots=True)
class ListWriter:
    """Writes consortium hits into the local list store under local entity ids."""

    lists: ListStore
    ttl: timedelta = timedelta(days=30)
    list_for: Mapping[str, str] = field(default_factory=dict)
    """Reason → list name (``block`` for some reasons if policy wants); ``watch`` otherwise."""

    def write(self, hits: Iterable[Hit], applicants: Sequence[Applicant], now: datetime) -> int:
        """Add one entry per hit; how many were written."""
        local = {a.ref: a.local for a in applicants}
        n = 0
        for hit in hits:
            value = local.get(hit.ref, {}).get(hit.kind)
            if value is None:
                continue
            self.lists.add(
                ListEntry(
                    self.list_for.get(hit.reason.value, "watch"),
                    hit.kind,
                    value,
                    source=f"consortium:{hit.member}",
                    added_at=now,
                    expires_at=now + self.ttl,
                    note=hit.reason.value,
                )
            )
            n += 1
        return n


class SignalBook:
    """Screening results per local entity, time-stamped so replays see what was known then."""

    def __init__(self, max_age: timedelta = timedelta(days=30)) -> None:
        self.max_age = max_age
        self._by_entity: dict[tuple[str, str], list[tuple[datetime, dict[str, float]]]] = {}

    def record(self, applicant: Applicant, values: Mapping[str, float], at: datetime) -> None:
        """Remember ``values`` for every local id of the applicant from ``at`` on."""
        for kind, value in applicant.local.items():
            rows = self._by_entity.setdefault((kind, value), [])
            rows.append((at, dict(values)))
            rows.sort(key=lambda r: r[0])

    def __bool__(self) -> bool:
        """Whether anything was ever recorded."""
        return bool(self._by_entity)

    def get(self, kind: str, value: str, at: datetime) -> dict[str, float] | None:
        """The latest values recorded for the entity at or before ``at`` (within max_age)."""
        rows = self._by_entity.get((kind, value), [])
        known = [v for t, v in rows if at - self.max_age < t <= at]
        return known[-1] if known else None


class FeatureSourceLike(Protocol):
    """The engine's FeatureSource port (declared here so this package needs no decisioning)."""

    def process(self, event: Event) -> Mapping[str, float]: ...

    def schema(self) -> Mapping[str, str]: ...

    def reset(self) -> None: ...


class ConsortiumFeatures:
    """Wraps the engine's feature source and adds the consortium signals of the event's
    entities (the highest value over its phone, id, device, account and person)."""

    def __init__(self, inner: FeatureSourceLike, book: SignalBook) -> None:
        self.inner = inner
        self.book = book

    def process(self, event: Event) -> Mapping[str, float]:
        """The inner features plus the consortium signals known at the event's time."""
        inner = self.inner.process(event)
        if not self.book:  # nothing screened yet: no copy, no lookups on the hot path
            return inner
        values = dict(inner)
        for kind, key in event.entities():
            found = self.book.get(kind, key, event.occurred_at)
            for name, v in (found or {}).items():
                values[name] = max(v, values.get(name, v))
        return values

    def schema(self) -> Mapping[str, str]:
        """The inner schema plus :data:`SIGNAL_SCHEMA`."""
        return {**self.inner.schema(), **SIGNAL_SCHEMA}

    def reset(self) -> None:
        """Reset the inner state (the book is kept: it is an input, not derived state)."""
        self.inner.reset()
