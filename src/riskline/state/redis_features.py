"""The feature engine on shared Redis state: one atomic compare-and-set per event.

:class:`RedisFeatureStore` implements ``riskline.features.StateStore``. A process loads the
states of the entities an event touches (one pipelined ``HMGET`` per key, with each key's
version), folds the event in locally with the same compiled catalog as the in-process store,
and writes everything back with one Lua script that checks every version first. When another
process changed one of those entities in between, nothing is written and the event is folded
in again on the fresh state (optimistic concurrency), so per-entity features stay exact with
several writers. The same script keeps the shared watermark (the newest event time seen by any
process) and refuses writes while the namespace is not ready (see :mod:`riskline.state.shared`).

Memory is bounded by expiry: an entity kind whose features are all windowed (device, phone,
ID, IP, card, account-merchant pairs in the default catalog) gets a TTL of its longest window
plus the allowed lateness plus one bucket, refreshed on each write, so an idle entity vanishes
exactly when it would read as empty anyway. Kinds with lifetime state (account age, a
person's accounts) never expire, as in the in-process store. TTLs count wall-clock seconds, so
they are exact when event time follows wall time (live traffic) and only lenient otherwise.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any

from riskline.errors import Conflict, InvalidConfig, Unavailable
from riskline.events import Event
from riskline.features import Catalog, OnlineFeatures
from riskline.features.state import EntityState
from riskline.state.shared import Mode, SharedState

__all__ = ["RedisFeatureStore", "RedisFeatures", "ttl_by_kind"]

_SAVE = """
if ARGV[1] == '0' and redis.call('EXISTS', KEYS[2]) == 0 then return {-2, ''} end
local n = #KEYS - 2
for i = 1, n do
  local v = redis.call('HGET', KEYS[i + 2], 'v') or '0'
  if v ~= ARGV[3 + 3 * i - 2] then return {-1, ''} end
end
for i = 1, n do
  local key, base = KEYS[i + 2], 3 + 3 * i - 2
  redis.call('HSET', key, 'v', tonumber(ARGV[base]) + 1, 'd', ARGV[base + 2])
  local ttl = tonumber(ARGV[base + 1])
  if ttl > 0 then redis.call('EXPIRE', key, ttl) else redis.call('PERSIST', key) end
end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'catalog', ARGV[2]) end
local wm = redis.call('HGET', KEYS[1], 'watermark')
if ARGV[3] ~= '' and (not wm or tonumber(ARGV[3]) > tonumber(wm)) then
  wm = ARGV[3]
  redis.call('HSET', KEYS[1], 'watermark', wm)
end
return {n, wm or ''}
"""


class _Stale(Conflict):
    """Another process changed an entity between our load and our save (retry the event)."""


def ttl_by_kind(online: OnlineFeatures, lateness: timedelta) -> dict[str, int]:
    """Seconds each entity kind's state may live idle; 0 = never expires (lifetime state)."""
    out: dict[str, int] = {}
    for kind, plan in online.plans_.items():
        spans = [res * n for res, n, _ in plan.groups] + [res * n for res, n, _, _ in plan.sets]
        lifetime = bool(plan.life) or any(n == 0 for _, n, _, _ in plan.sets) or not spans
        res = max([r for r, _, _ in plan.groups] + [r for r, _, _, _ in plan.sets] + [1])
        out[kind] = 0 if lifetime else max(spans) + int(lateness.total_seconds()) + res
    return out


class RedisFeatureStore:
    """``StateStore`` on a deployment's Redis namespace, with versioned compare-and-set saves."""

    def __init__(self, shared: SharedState, identity_cache: int = 100_000) -> None:
        self.shared = shared
        self.client = shared.client
        self.ttls: dict[str, int] = {}
        self.identity_cache = identity_cache
        self.watermark_: int | None = None
        self._state = shared.key("f", "s") + ":"
        self._ident = shared.key("f", "i") + ":"
        self._meta = shared.key("f", "meta")
        self._ready = shared.key("ready")
        self._save = self.client.register_script(_SAVE)
        self._versions: dict[str, bytes] = {}
        self._idents: dict[str, list[str]] = {}

    def load(self, keys: Sequence[str]) -> list[EntityState | None]:
        """The states of ``keys`` (``None`` where absent), remembering each key's version."""
        self._versions.clear()  # one load per event: versions of keys it did not save go
        if not keys:
            return []
        pipe = self.client.pipeline(transaction=False)
        for k in keys:
            pipe.hmget(self._state + k, "v", "d")
        rows = self.shared.call(pipe.execute)
        out: list[EntityState | None] = []
        for k, (version, data) in zip(keys, rows, strict=True):
            self._versions[k] = version or b"0"
            out.append(None if data is None else EntityState.load(json.loads(data)))
        return out

    def save(self, items: Sequence[tuple[str, EntityState]], meta: Mapping[str, str | int]) -> None:
        """Write states only if none changed since :meth:`load`; ``_Stale`` otherwise."""
        keys = [self._meta, self._ready]
        args: list[Any] = [
            "1" if self.shared.mode is Mode.REBUILD else "0",
            str(meta.get("catalog", "")),
            str(meta["watermark"]) if "watermark" in meta else "",
        ]
        versions, ttls = self._versions, self.ttls
        for key, st in items:
            keys.append(self._state + key)
            ttl = ttls.get(key.split("|", 1)[0], 0)
            args += [versions.pop(key, b"0"), ttl, json.dumps(st.dump(), separators=(",", ":"))]
        status, wm = self.shared.call(self._save, keys=keys, args=args)
        if status == -2:
            raise Unavailable(
                f"shared feature state in {self.shared.namespace!r} is missing or being rebuilt; "
                "run `riskline state rebuild` (or wait for the rebuild to finish)"
            )
        if status == -1:
            raise _Stale("feature state changed concurrently")
        self.watermark_ = int(wm) if wm else None

    def identity(self, key: str) -> list[str] | None:
        """Identity links of an account or merchant (cached: they are written once)."""
        hit = self._idents.get(key)
        if hit is not None:
            return hit
        raw = self.shared.call(self.client.get, self._ident + key)
        if raw is None:
            return None
        value = list(json.loads(raw))
        if len(self._idents) >= self.identity_cache:
            self._idents.clear()
        self._idents[key] = value
        return value

    def set_identity(self, key: str, value: list[str]) -> None:
        """Record identity links."""
        self._idents.pop(key, None)
        self.shared.call(self.client.set, self._ident + key, json.dumps(value))

    def meta(self) -> dict[str, str | int]:
        """Catalog fingerprint and shared watermark."""
        raw = self.shared.call(self.client.hgetall, self._meta)
        out: dict[str, str | int] = {}
        for k, v in raw.items():
            text = v.decode()
            out[k.decode()] = int(text) if text.lstrip("-").isdigit() else text
        return out

    def keys(self) -> Iterator[str]:
        """Every entity key with state."""
        cut = len(self._state)
        for raw in self.shared.scan("f", "s"):
            yield raw.decode()[cut:]

    def delete(self, keys: Sequence[str]) -> None:
        """Forget entities."""
        if keys:
            self.shared.call(self.client.delete, *[self._state + k for k in keys])

    def forget_local(self) -> None:
        """Drop process-local caches (after a flush)."""
        self._idents.clear()
        self._versions.clear()
        self.watermark_ = None


class RedisFeatures:
    """The engine's ``FeatureSource`` on shared Redis state (see the module docstring)."""

    def __init__(
        self,
        shared: SharedState,
        catalog: Catalog,
        lateness: timedelta = timedelta(hours=24),
        retries: int = 20,
    ) -> None:
        self.shared = shared
        self.catalog = catalog
        self.lateness = lateness
        self.retries = retries
        self.store = RedisFeatureStore(shared)
        self._lock = threading.Lock()
        self._online: OnlineFeatures | None = None

    @property
    def online(self) -> OnlineFeatures:
        """The feature engine on the shared store, made on first use (so a rebuild can start
        on a namespace another catalog wrote, and flush it)."""
        if self._online is None:
            self._online = self._new()
        return self._online

    def _new(self) -> OnlineFeatures:
        # sweep_every=0: TTLs bound memory; a sweep's writes could conflict after the event
        # was saved, and retrying would fold the event in twice.
        try:
            online = OnlineFeatures(self.catalog, self.store, lateness=self.lateness, sweep_every=0)
        except InvalidConfig as err:
            raise InvalidConfig(
                f"{err.message} (shared namespace {self.shared.namespace!r}: "
                "run `riskline state rebuild`)"
            ) from None
        self.store.ttls = ttl_by_kind(online, self.lateness)
        return online

    def process(self, event: Event) -> Mapping[str, float]:
        """Fold ``event`` into shared state and read its features (retried on conflicts)."""
        if self.shared.mode is Mode.SKIP:
            return {}
        with self._lock:
            online = self.online
            for _ in range(self.retries):
                try:
                    out = online.process(event)
                except _Stale:
                    continue
                shared = self.store.watermark_
                if shared is not None and shared > online.watermark:
                    online.watermark = shared  # another process saw newer events
                return out
        raise Unavailable(f"feature state of {event.event_id} kept changing; retry")

    def schema(self) -> Mapping[str, str]:
        """Feature name -> type, as the catalog declares."""
        return {k: str(v) for k, v in self.catalog.schema().items()}

    def reset(self) -> None:
        """Start from empty state: allowed only while rebuilding (see ``riskline.state``)."""
        mode = self.shared.mode
        if mode is Mode.SKIP:
            self._online = None  # pick up the shared watermark at the next event
            return
        if mode is Mode.LIVE:
            # A failed commit: shared state may hold events the ledger does not.
            self.shared.mark_stale()
            raise Unavailable(
                "shared state may be ahead of the ledger after a failed commit; "
                "it was marked stale: restart the process or run `riskline state rebuild`"
            )
        self.store.forget_local()
        self._online = None
