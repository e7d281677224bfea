"""Where feature state lives: a Protocol and the in-process implementation.

The shared one, on Redis for several processes, is :class:`riskline.state.RedisFeatureStore`.

>>> from riskline.features.windows import Ring
>>> store = MemoryStore()
>>> store.save([("account|a1", EntityState([Ring.new([0.0])], [], []))], {"watermark": 5})
>>> store.load(["account|a1", "account|a2"])[1] is None, store.meta()["watermark"]
(True, 5)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from riskline.errors import InvalidConfig
from riskline.features.state import EntityState

__all__ = ["MemoryStore", "StateStore"]

Meta = Mapping[str, str | int]
_SNAPSHOT_VERSION = 1


class StateStore(Protocol):
    """Per-entity feature state, identity links and a little metadata (watermark, catalog)."""

    def load(self, keys: Sequence[str]) -> list[EntityState | None]:
        """The states of ``keys`` (``None`` where absent), in order."""
        ...

    def save(self, items: Sequence[tuple[str, EntityState]], meta: Meta) -> None:
        """Persist states and metadata together."""
        ...

    def identity(self, key: str) -> list[str] | None:
        """Identity links of an account or merchant (``'account|a1'``)."""
        ...

    def set_identity(self, key: str, value: list[str]) -> None:
        """Record identity links."""
        ...

    def meta(self) -> dict[str, str | int]:
        """Saved metadata."""
        ...

    def keys(self) -> Iterator[str]:
        """Every entity key with state."""
        ...

    def delete(self, keys: Sequence[str]) -> None:
        """Forget entities."""
        ...


class MemoryStore:
    """In-process state (the default), snapshotted to a JSON file for restarts.

    States are kept per entity kind (``kinds[kind][id]``), so the engine's hot path looks an
    entity up by its id alone; keys at this interface are ``"kind|id"`` as for every store.
    """

    def __init__(self) -> None:
        self.kinds: dict[str, dict[str, EntityState]] = {}
        self.identities: dict[str, list[str]] = {}
        self._meta: dict[str, str | int] = {}

    def kind(self, kind: str) -> dict[str, EntityState]:
        """The live states of one entity kind (id -> state); the same dict for the store's life."""
        states = self.kinds.get(kind)
        if states is None:
            states = self.kinds[kind] = {}
        return states

    @property
    def states(self) -> dict[str, EntityState]:
        """Every state by ``"kind|id"`` (a new dict: for inspection, not the hot path)."""
        return {f"{k}|{i}": st for k, d in self.kinds.items() for i, st in d.items()}

    def __len__(self) -> int:
        """How many entities have state."""
        return sum(len(d) for d in self.kinds.values())

    def load(self, keys: Sequence[str]) -> list[EntityState | None]:
        """The states of ``keys`` (``None`` where absent), in order."""
        out = []
        for key in keys:
            kind, _, ident = key.partition("|")
            states = self.kinds.get(kind)
            out.append(None if states is None else states.get(ident))
        return out

    def save(self, items: Sequence[tuple[str, EntityState]], meta: Meta) -> None:
        """Keep the (already live) state objects; record metadata."""
        for key, st in items:
            kind, _, ident = key.partition("|")
            self.kind(kind)[ident] = st
        self._meta.update(meta)

    def identity(self, key: str) -> list[str] | None:
        """Identity links of an account or merchant."""
        return self.identities.get(key)

    def live_meta(self) -> dict[str, str | int]:
        """The metadata dict itself: what an engine writes there is saved with the state."""
        return self._meta

    def set_identity(self, key: str, value: list[str]) -> None:
        """Record identity links."""
        self.identities[key] = value

    def meta(self) -> dict[str, str | int]:
        """Saved metadata."""
        return dict(self._meta)

    def keys(self) -> Iterator[str]:
        """Every entity key with state."""
        return iter([f"{k}|{i}" for k, d in self.kinds.items() for i in d])

    def delete(self, keys: Sequence[str]) -> None:
        """Forget entities."""
        for key in keys:
            kind, _, ident = key.partition("|")
            self.kinds.get(kind, {}).pop(ident, None)

    def snapshot(self, path: str | Path, position: Mapping[str, Any] | None = None) -> None:
        """Write everything to ``path`` atomically (temp file, then rename).

        ``position`` (JSON-able) says which input the state covers, e.g. how many ledger
        events; :meth:`restore` gives it back.
        """
        doc = {
            "version": _SNAPSHOT_VERSION,
            "meta": self._meta,
            "position": dict(position or {}),
            "identities": self.identities,
            "states": {f"{k}|{i}": s.dump() for k, d in self.kinds.items() for i, s in d.items()},
        }
        tmp = Path(f"{path}.tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(doc, fh, separators=(",", ":"))
        os.replace(tmp, path)

    def restore(self, path: str | Path) -> dict[str, Any]:
        """Replace the contents with a snapshot written by :meth:`snapshot`; its position."""
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
            if doc.get("version") != _SNAPSHOT_VERSION:
                raise InvalidConfig(f"feature snapshot {path}: unsupported version")
            states = {k: EntityState.load(v) for k, v in doc["states"].items()}
            identities, meta = dict(doc["identities"]), dict(doc["meta"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise InvalidConfig(f"feature snapshot {path} cannot be read: {err}") from None
        for d in self.kinds.values():  # in place: engines hold the per-kind dicts
            d.clear()
        for key, st in states.items():
            kind, _, ident = key.partition("|")
            self.kind(kind)[ident] = st
        self.identities = identities
        self._meta.clear()  # in place: an engine may hold it (live_meta)
        self._meta.update(meta)
        position: dict[str, Any] = doc.get("position") or {}
        return position
