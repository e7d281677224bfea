"""Where feature state lives: a Protocol with an in-process and a Redis implementation.

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

from riskline.errors import InvalidConfig, Unavailable
from riskline.features.state import EntityState

__all__ = ["MemoryStore", "RedisStore", "StateStore"]

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


class RedisStore:
    """State in Redis (JSON values under ``prefix``), shared by several workers."""

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        prefix: str = "riskline:feat:",
        ttl_seconds: int | None = None,
        client: Any = None,
    ) -> None:
        import redis

        self.url, self.prefix, self.ttl_seconds = url, prefix, ttl_seconds
        self.client = client if client is not None else redis.Redis.from_url(url)
        self._errors: tuple[type[BaseException], ...] = (redis.RedisError,)

    def _call(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except self._errors as err:
            raise Unavailable(f"feature store at {self.url} failed: {err}") from None

    def load(self, keys: Sequence[str]) -> list[EntityState | None]:
        """The states of ``keys`` (``None`` where absent), in order (one MGET)."""
        if not keys:
            return []
        raw = self._call(self.client.mget, [self.prefix + "s:" + k for k in keys])
        return [None if r is None else EntityState.load(json.loads(r)) for r in raw]

    def save(self, items: Sequence[tuple[str, EntityState]], meta: Meta) -> None:
        """Write states and metadata in one pipeline."""
        pipe = self.client.pipeline(transaction=False)
        for key, st in items:
            pipe.set(
                self.prefix + "s:" + key,
                json.dumps(st.dump(), separators=(",", ":")),
                ex=self.ttl_seconds,
            )
        if meta:
            pipe.hset(self.prefix + "meta", mapping=dict(meta))  # type: ignore[arg-type]
        self._call(pipe.execute)

    def identity(self, key: str) -> list[str] | None:
        """Identity links of an account or merchant."""
        raw = self._call(self.client.get, self.prefix + "i:" + key)
        return None if raw is None else list(json.loads(raw))

    def set_identity(self, key: str, value: list[str]) -> None:
        """Record identity links."""
        self._call(self.client.set, self.prefix + "i:" + key, json.dumps(value))

    def meta(self) -> dict[str, str | int]:
        """Saved metadata (numbers come back as ints)."""
        raw = self._call(self.client.hgetall, self.prefix + "meta")
        out: dict[str, str | int] = {}
        for k, v in raw.items():
            text = v.decode()
            out[k.decode()] = int(text) if text.lstrip("-").isdigit() else text
        return out

    def keys(self) -> Iterator[str]:
        """Every entity key with state."""
        cut = len(self.prefix) + 2
        for raw in self.client.scan_iter(match=self.prefix + "s:*", count=1000):
            yield raw.decode()[cut:]

    def delete(self, keys: Sequence[str]) -> None:
        """Forget entities."""
        if keys:
            self._call(self.client.delete, *[self.prefix + "s:" + k for k in keys])

    def clear(self) -> None:
        """Delete every key under the prefix (tests, resets)."""
        batch = list(self.client.scan_iter(match=self.prefix + "*", count=1000))
        if batch:
            self._call(self.client.delete, *batch)
