"""The small interfaces the engine needs; storage and features implement them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from riskline.credit.lines import CreditLine, LineChange
from riskline.decisioning.types import Decision
from riskline.events.types import Event

__all__ = ["Batch", "EngineStore", "FeatureSource", "GraphSource", "LedgerEntry", "StoredEvent"]


class GraphSource(Protocol):
    """The link graph as the engine uses it: graph features, flags, enterprise roles."""

    def observe(self, event: Event) -> None: ...

    def features_for(self, event: Event) -> Mapping[str, float]: ...

    def schema(self) -> Mapping[str, str]: ...

    def flag(self, kind: str, key: str, reason: str) -> None: ...

    def enterprises_linked_to(self, person_id: str) -> Sequence[Any]: ...

    def controllers_of(self, enterprise_id: str) -> Sequence[Any]: ...

    def reset(self) -> None: ...


class FeatureSource(Protocol):
    """Per-entity features: update with an event, return the values the decision may read."""

    def process(self, event: Event) -> Mapping[str, float]: ...

    def schema(self) -> Mapping[str, str]: ...

    def reset(self) -> None: ...


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """What the ledger remembers of an event id."""

    event_id: str
    fingerprint: str
    decision_id: str


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """An event as the ledger stores it: canonical JSON, its fingerprint, the decision id."""

    event: Event
    payload: str
    fingerprint: str
    decision_id: str


@dataclass(slots=True)
class Batch:
    """Everything one group commit writes, atomically."""

    events: list[LedgerEntry] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    lines: dict[str, CreditLine] = field(default_factory=dict)
    new_lines: set[str] = field(default_factory=set)
    base_versions: dict[str, int] = field(default_factory=dict)
    changes: list[LineChange] = field(default_factory=list)
    accounts: list[tuple[str, str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.events)


class EngineStore(Protocol):
    """Durable state the engine reads and writes."""

    def find_events(self, event_ids: Sequence[str]) -> Mapping[str, StoredEvent]: ...

    def get_decisions(self, decision_ids: Sequence[str]) -> Mapping[str, Decision]: ...

    def lines_for(self, owner_ids: Iterable[str]) -> Sequence[CreditLine]: ...

    def commit(self, batch: Batch) -> None: ...

    def iter_events(self) -> Iterable[Event]: ...

    def freezing_decisions(self) -> Iterable[Decision]: ...

    def block_additions(self) -> Sequence[tuple[str | None, str, str, str]]: ...
