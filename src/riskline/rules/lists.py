"""Block / allow / watch lists keyed by entity kind and id, with expiry and source.

>>> from datetime import datetime, timedelta, timezone
>>> t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
>>> store = MemoryListStore()
>>> store.add(ListEntry("block", "device", "d1", source="case:42", added_at=t0,
...                     expires_at=t0 + timedelta(days=30)))
>>> store.contains("block", "device", "d1", t0), store.contains("block", "device", "d1",
...                                                            t0 + timedelta(days=31))
(True, False)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from riskline.errors import InvalidInput

__all__ = [
    "LIST_NAMES",
    "EmptyLists",
    "ListEntry",
    "ListLookup",
    "ListStore",
    "MemoryListStore",
]

LIST_NAMES: Final = frozenset({"block", "allow", "watch"})
"""The list names rules may refer to."""


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One listed entity: which list, entity kind and id, who put it there, until when."""

    list_name: str
    kind: str
    value: str
    source: str
    added_at: datetime
    expires_at: datetime | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.list_name not in LIST_NAMES:
            raise InvalidInput(f"unknown list {self.list_name!r}; use one of {sorted(LIST_NAMES)}")
        if not self.kind or not self.value:
            raise InvalidInput("a list entry needs an entity kind and id")
        stamps = (self.added_at, self.expires_at or self.added_at)
        if any(t.tzinfo is None for t in stamps):
            raise InvalidInput("list entry times must be timezone-aware")
        if self.expires_at is not None and self.expires_at <= self.added_at:
            raise InvalidInput("a list entry must expire after it was added")

    def active(self, now: datetime) -> bool:
        """Whether the entry is in force at ``now`` (added, not yet expired)."""
        return self.added_at <= now and (self.expires_at is None or now < self.expires_at)


class ListLookup(Protocol):
    """What rules need: is this entity on that list at this time?"""

    def contains(self, list_name: str, kind: str, value: str, now: datetime) -> bool:
        """Whether an active entry exists."""
        ...


class ListStore(ListLookup, Protocol):
    """A mutable, queryable set of list entries."""

    def add(self, entry: ListEntry) -> None:
        """Insert or replace the entry for (list, kind, value)."""
        ...

    def remove(self, list_name: str, kind: str, value: str) -> bool:
        """Delete an entry; whether one existed."""
        ...

    def get(self, list_name: str, kind: str, value: str) -> ListEntry | None:
        """The entry, active or not, if any."""
        ...

    def entries(self, list_name: str | None = None) -> Iterator[ListEntry]:
        """All entries, optionally of one list."""
        ...

    def purge_expired(self, now: datetime) -> int:
        """Drop entries expired at ``now``; how many were dropped."""
        ...


class EmptyLists:
    """A lookup with no entries (for rule sets that use no lists)."""

    def contains(self, list_name: str, kind: str, value: str, now: datetime) -> bool:
        """Always false."""
        return False


class MemoryListStore:
    """In-process list store; one entry per (list, kind, value)."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str, str], ListEntry] = {}

    def add(self, entry: ListEntry) -> None:
        """Insert or replace the entry for (list, kind, value)."""
        self._entries[(entry.list_name, entry.kind, entry.value)] = entry

    def remove(self, list_name: str, kind: str, value: str) -> bool:
        """Delete an entry; whether one existed."""
        return self._entries.pop((list_name, kind, value), None) is not None

    def get(self, list_name: str, kind: str, value: str) -> ListEntry | None:
        """The entry, active or not, if any."""
        return self._entries.get((list_name, kind, value))

    def contains(self, list_name: str, kind: str, value: str, now: datetime) -> bool:
        """Whether an active entry exists at ``now``."""
        entry = self._entries.get((list_name, kind, value))
        return entry is not None and entry.active(now)

    def entries(self, list_name: str | None = None) -> Iterator[ListEntry]:
        """All entries, optionally of one list."""
        return (e for e in list(self._entries.values()) if list_name in (None, e.list_name))

    def purge_expired(self, now: datetime) -> int:
        """Drop entries expired at ``now``; how many were dropped."""
        gone = [k for k, e in self._entries.items() if e.expires_at and e.expires_at <= now]
        for key in gone:
            del self._entries[key]
        return len(gone)
