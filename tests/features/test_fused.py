"""The in-process store's fused per-event functions do what the shared-store path does.

The shared-store path resolves entities into a dict, builds a field view and calls one update
and one read per entity; :mod:`riskline.features.fused` does it all inline. Both run side by
side here over the same events (out of order, too late, identity links, pairs, every kind)
and must give the same features, in the same order, with the same state left behind.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any

from riskline.bench.synth import generate_history
from riskline.events import PiiHasher, parse_event
from riskline.events.types import Event
from riskline.features import OnlineFeatures, default_catalog
from riskline.features.state import EntityState
from riskline.features.stores import MemoryStore


class JsonStore:
    """A shared store in miniature: state kept as JSON text, so every event loads and saves."""

    def __init__(self) -> None:
        self.rows: dict[str, str] = {}
        self.ids: dict[str, list[str]] = {}
        self._meta: dict[str, str | int] = {}

    def load(self, keys: Sequence[str]) -> list[EntityState | None]:
        rows = self.rows
        return [None if k not in rows else EntityState.load(json.loads(rows[k])) for k in keys]

    def save(self, items: Sequence[tuple[str, EntityState]], meta: Mapping[str, str | int]) -> None:
        for key, st in items:
            self.rows[key] = json.dumps(st.dump())
        self._meta.update(meta)

    def identity(self, key: str) -> list[str] | None:
        return self.ids.get(key)

    def set_identity(self, key: str, value: list[str]) -> None:
        self.ids[key] = value

    def meta(self) -> dict[str, str | int]:
        return dict(self._meta)

    def keys(self) -> Iterator[str]:
        return iter(list(self.rows))

    def delete(self, keys: Sequence[str]) -> None:
        for k in keys:
            self.rows.pop(k, None)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _run_both(events: list[Event], lateness: timedelta) -> tuple[MemoryStore, JsonStore]:
    mem, shared = MemoryStore(), JsonStore()
    fused = OnlineFeatures(default_catalog(), mem, lateness=lateness, sweep_every=0)
    generic = OnlineFeatures(default_catalog(), shared, lateness=lateness, sweep_every=0)
    for e in events:
        got, want = fused.process(e), generic.process(e)
        assert list(got) == list(want), e.event_id  # same features, same order
        bad = {k: (got[k], want[k]) for k in want if not _same(got[k], want[k])}
        assert bad == {}, (e.event_id, bad)
    return mem, shared


def _states(store: Any) -> dict[str, Any]:
    if isinstance(store, MemoryStore):
        return {k: json.loads(json.dumps(st.dump())) for k, st in store.states.items()}
    return {k: json.loads(v) for k, v in store.rows.items()}


def test_fused_path_equals_shared_store_path_on_disordered_history() -> None:
    events = generate_history(2500, seed=5, n_accounts=60, disorder=0.15)
    mem, shared = _run_both(events, timedelta(hours=6))
    assert _states(mem) == _states(shared)
    assert mem.identities == shared.ids


def test_fused_path_equals_shared_store_path_on_simulated_world() -> None:
    from riskline import sim

    hasher = PiiHasher(b"test-secret")
    wire = itertools.islice(sim.iter_events(sim.WorldConfig.small(persons=300, days=10)), 3000)
    events = [parse_event(d, hasher) for d in wire]
    kinds = {k.split("|", 1)[0] for k in _states(_run_both(events, timedelta(hours=24))[0])}
    assert {"account", "person", "phone", "device", "ip", "merchant", "account_merchant"} <= kinds
