"""Resume feature state from a snapshot at start instead of replaying the whole ledger.

:class:`ResumableFeatures` is a feature source for the decision engine (``process``,
``schema``, ``reset``). ``snapshot()`` writes the in-process state with its *ledger position*:
how many ledger events it has seen and the id of the last one. ``reset()`` (called by the
engine before it replays the ledger) restores that snapshot when there is one, and ``process``
then skips the events the snapshot already covers, checking that the last one has the recorded
id. ``check_resumed()`` after the replay raises :class:`~riskline.errors.Conflict` if the ledger
and the snapshot disagree (another ledger, a truncated one); the caller then calls
``discard_snapshot()`` and replays again from empty state.

Snapshots must be taken when every processed event is committed to the ledger (at shutdown,
or right after a commit), so that position N means "the first N ledger events".

>>> import tempfile, pathlib
>>> from riskline.features import default_catalog
>>> from riskline.bench.synth import generate_history
>>> events = generate_history(200, seed=4)
>>> path = pathlib.Path(tempfile.mkdtemp()) / "features.json"
>>> first = ResumableFeatures(default_catalog(), path)
>>> for e in events[:120]:
...     _ = first.process(e)
>>> first.snapshot()
SnapshotPosition(events=120, last_event_id='e120')
>>> second = ResumableFeatures(default_catalog(), path)
>>> second.reset()  # restores: the next 120 events of the replay are skipped
>>> for e in events:
...     out = second.process(e)
>>> second.check_resumed(); second.resumed_from
SnapshotPosition(events=120, last_event_id='e120')
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from riskline.errors import Conflict, InvalidConfig
from riskline.events.types import Event
from riskline.features.catalog import Catalog
from riskline.features.online import OnlineFeatures
from riskline.features.stores import MemoryStore

__all__ = ["ResumableFeatures", "SnapshotPosition"]

log = logging.getLogger(__name__)
_EMPTY: Mapping[str, float] = {}


@dataclass(frozen=True, slots=True)
class SnapshotPosition:
    """The ledger prefix a snapshot covers: its first ``events`` events, ending with this id."""

    events: int
    last_event_id: str


class ResumableFeatures:
    """Online features on the in-process store that resume from ``path`` at ``reset``."""

    def __init__(
        self, catalog: Catalog, path: str | Path, lateness: timedelta = timedelta(hours=24)
    ) -> None:
        self.catalog = catalog
        self.path = Path(path)
        self.lateness = lateness
        self.online_ = OnlineFeatures(catalog, MemoryStore(), lateness=lateness)
        self.seen_ = 0
        self.last_id_ = ""
        self.resumed_from: SnapshotPosition | None = None
        self._skip = 0

    def process(self, event: Event) -> Mapping[str, float]:
        """Fold ``event`` in, or skip it when the restored snapshot already holds it."""
        self.seen_ += 1
        self.last_id_ = event.event_id
        if self._skip:
            self._skip -= 1
            covered = self.resumed_from
            if not self._skip and covered and event.event_id != covered.last_event_id:
                raise Conflict(
                    f"feature snapshot {self.path} ends with event {covered.last_event_id!r} "
                    f"but ledger event {covered.events} is {event.event_id!r}"
                )
            return _EMPTY  # replay only: the engine discards values of replayed events
        return self.online_.process(event)

    def schema(self) -> Mapping[str, str]:
        """Feature name -> type name, for the rules DSL."""
        return {k: str(v) for k, v in self.catalog.schema().items()}

    def reset(self) -> None:
        """Empty state, or the snapshot's state when one is readable (the replay then skips)."""
        self.online_ = OnlineFeatures(self.catalog, MemoryStore(), lateness=self.lateness)
        self.seen_, self.last_id_, self.resumed_from, self._skip = 0, "", None, 0
        if not self.path.exists():
            return
        store = MemoryStore()
        try:
            pos = store.restore(self.path)
            online = OnlineFeatures(self.catalog, store, lateness=self.lateness)
            covered = SnapshotPosition(int(pos["events"]), str(pos["last_event_id"]))
        except (InvalidConfig, KeyError, TypeError, ValueError) as err:
            log.warning("feature snapshot %s not used (%s): replaying the ledger", self.path, err)
            return
        self.online_, self.resumed_from, self._skip = online, covered, covered.events

    def check_resumed(self) -> None:
        """After the replay: raise ``Conflict`` if the ledger ended before the snapshot did."""
        if self._skip:
            raise Conflict(
                f"feature snapshot {self.path} covers {self._skip} more events than the ledger"
            )

    def discard_snapshot(self) -> None:
        """Delete the snapshot and start from empty state (the caller replays everything)."""
        self.path.unlink(missing_ok=True)
        self.reset()

    def snapshot(self) -> SnapshotPosition:
        """Write state and position atomically; call only when every event seen is committed."""
        if self._skip:
            raise Conflict("cannot snapshot while the replay of a restored snapshot is running")
        pos = SnapshotPosition(self.seen_, self.last_id_)
        store = self.online_.store
        assert isinstance(store, MemoryStore)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        store.snapshot(self.path, {"events": pos.events, "last_event_id": pos.last_event_id})
        return pos
