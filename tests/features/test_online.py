"""The online engine against every state store: reference values, lateness, expiry, restarts."""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from riskline.bench.synth import generate_history
from riskline.errors import InvalidConfig
from riskline.events import types as t
from riskline.features import Catalog, MemoryStore, OnlineFeatures, StateStore, default_catalog
from riskline.state import RedisFeatureStore

from .reference import diff, reference
from .small import LATENESS, T0, build, small_catalog


def _pay(i: int, minutes: float, acc: str = "a0", amount: str = "10.00") -> t.Payment:
    return t.Payment(
        event_id=f"p{i}",
        occurred_at=T0 + timedelta(minutes=minutes),
        account_id=acc,
        merchant_id="m0",
        amount=Decimal(amount),
        device_id="d0",
    )


def _reopen(store: StateStore) -> StateStore:
    """A second handle on the same state, as a restarted worker would get it."""
    if isinstance(store, RedisFeatureStore):
        return RedisFeatureStore(store.shared)
    return store


def test_default_catalog_matches_reference(store: StateStore) -> None:
    events = generate_history(400, seed=7, n_accounts=40, disorder=0.1)
    online = OnlineFeatures(default_catalog(), store)
    expected = reference(default_catalog(), events, 24 * 3600)
    for event, want in zip(events, expected, strict=True):
        assert diff(want, dict(online.process(event))) == {}, event.event_id


def test_small_catalog_with_late_events_matches_reference(store: StateStore) -> None:
    spec = [(k % 2, k % 3, k % 4, 3 * k + 1, (k * 7919) % 10800, k % 2 == 0) for k in range(80)]
    events = build(spec)
    online = OnlineFeatures(small_catalog(), store, lateness=LATENESS)
    expected = reference(small_catalog(), events, 3600)
    assert any(e.occurred_at < events[i - 1].occurred_at for i, e in enumerate(events) if i)
    for event, want in zip(events, expected, strict=True):
        assert diff(want, dict(online.process(event))) == {}, event.event_id


def test_too_late_event_skips_windows_but_counts_for_lifetime(store: StateStore) -> None:
    online = OnlineFeatures(small_catalog(), store, lateness=LATENESS)
    online.process(_pay(0, 0))
    online.process(_pay(1, 120))  # watermark 02:00, horizon 01:00
    out = online.process(_pay(2, 10))  # 00:10 is older than the horizon: too late
    assert out["account.pay_2h"] == 1.0  # read at the horizon (01:00): 00:00 only, not itself
    assert out["account.pays"] == 3.0  # lifetime still counts it
    after = online.process(_pay(3, 121))
    assert after["account.pay_2h"] == 2.0  # the too-late payment never entered the window


def test_late_event_within_lateness_is_read_as_of_its_time(store: StateStore) -> None:
    online = OnlineFeatures(small_catalog(), store, lateness=LATENESS)
    online.process(_pay(0, 0))
    online.process(_pay(1, 50))
    out = online.process(_pay(2, 20))  # late but inside the hour: sees 00:00 and itself
    assert out["account.n_30m"] == 2.0
    # 00:51 reads buckets 00:25-00:55: 00:50 and itself; the late 00:20 has left the window
    assert online.process(_pay(3, 51))["account.n_30m"] == 2.0
    now = online.values("account", "a0", T0 + timedelta(minutes=51))
    assert now["account.n_30m"] == 2.0
    assert now["account.pays"] == 4.0


def test_values_reads_without_updating(store: StateStore) -> None:
    online = OnlineFeatures(small_catalog(), store, lateness=LATENESS)
    out = online.process(_pay(0, 0, amount="300.00"))
    same = online.values("account", "a0", T0)
    assert dict(same.items()) == {k: v for k, v in out.items() if k.startswith("account.")}
    later = online.values("account", "a0", T0 + timedelta(hours=3))
    assert later["account.sum_2h"] == 0.0
    assert later["account.spend"] == 300.0
    assert online.values("account", "a0", T0 + timedelta(hours=3))["account.pays"] == 1.0
    with pytest.raises(InvalidConfig):
        online.values("galaxy", "x", T0)


def test_expire_drops_windowed_state_and_empty_entities(store: StateStore) -> None:
    # count_new keeps a lifetime set of values seen, so it is left out here
    windowed = [d for d in small_catalog() if d.window is not None]
    cat = Catalog(d for d in windowed if d.aggregate.value != "count_new")
    online = OnlineFeatures(cat, store, lateness=LATENESS)
    for i in range(50):
        online.process(_pay(i, i, acc=f"a{i % 5}"))
    assert sum(1 for _ in store.keys()) > 0  # noqa: SIM118 (a store, not a dict)
    online.process(_pay(99, 24 * 60, acc="late-comer"))
    dropped = online.expire()
    remaining = sorted(store.keys())
    assert remaining == ["account|late-comer", "device|d0", "merchant|m0"]  # touched by the last
    assert dropped >= 5


def test_restart_resumes_without_replay(store: StateStore, tmp_path: Path) -> None:
    events = generate_history(300, seed=3, n_accounts=30)
    straight = OnlineFeatures(default_catalog())
    want = [dict(straight.process(e)) for e in events]
    first = OnlineFeatures(default_catalog(), store)
    for e in events[:150]:
        first.process(e)
    if isinstance(store, MemoryStore):
        store.snapshot(tmp_path / "features.json")
        resumed = MemoryStore()
        resumed.restore(tmp_path / "features.json")
        second = OnlineFeatures(default_catalog(), resumed)
    else:
        second = OnlineFeatures(default_catalog(), _reopen(store))
    assert second.watermark == first.watermark
    for e, w in zip(events[150:], want[150:], strict=True):
        assert diff(w, dict(second.process(e))) == {}, e.event_id


def test_state_of_another_catalog_is_refused(store: StateStore) -> None:
    OnlineFeatures(small_catalog(), store).process(_pay(0, 0))
    with pytest.raises(InvalidConfig, match="different catalog"):
        OnlineFeatures(default_catalog(), _reopen(store))


def test_memory_per_entity_is_bounded() -> None:
    online = OnlineFeatures(small_catalog(), lateness=LATENESS)
    for i in range(3000):  # one payment a minute for two days, new device each time
        e = _pay(i, i)
        online.process(
            t.Payment(
                **{
                    **{
                        f: getattr(e, f)
                        for f in ("event_id", "occurred_at", "account_id", "merchant_id", "amount")
                    },
                    "device_id": f"d{i}",
                }
            )
        )
    st = online.store.load(["account|a0"])[0]
    assert st is not None
    assert all(r is None or len(r.keys) <= 12 + 6 + 2 for r in st.rings)  # window + lateness
    assert all(len(s) <= 1024 for s in st.sets if isinstance(s, dict))
    assert not math.isnan(
        online.values("account", "a0", T0 + timedelta(minutes=3000))["account.sum_2h"]
    )


def test_snapshot_rejects_garbage(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InvalidConfig, match="cannot be read"):
        MemoryStore().restore(bad)
