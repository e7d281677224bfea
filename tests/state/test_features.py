"""Features on shared Redis state: same values as in-process, no lost updates, fail closed."""

from __future__ import annotations

import math
import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from riskline.bench.synth import generate_history
from riskline.errors import Conflict, Unavailable
from riskline.events import Event
from riskline.events import types as t
from riskline.features import MemoryStore, OnlineFeatures, default_catalog
from riskline.state import Mode, RedisFeatures, RedisFeatureStore, SharedState, ttl_by_kind
from tests.features.reference import diff, reference
from tests.features.small import LATENESS, T0, build, small_catalog

from .conftest import REDIS_URL, other_process

pytestmark = pytest.mark.redis


def _same(want: float, got: float) -> bool:
    return want == got or (math.isnan(want) and math.isnan(got))


def _pay(i: int, account: str, minutes: float = 0.0, amount: str = "10.00") -> t.Payment:
    return t.Payment(
        event_id=f"p{i}",
        occurred_at=T0 + timedelta(minutes=minutes),
        account_id=account,
        merchant_id="m0",
        amount=Decimal(amount),
    )


def test_equals_in_process_on_a_simulated_world(ready: SharedState, world: list[Event]) -> None:
    shared = RedisFeatures(ready, default_catalog())
    local = OnlineFeatures(default_catalog(), MemoryStore())
    for event in world:
        want, got = local.process(event), shared.process(event)
        assert set(want) == set(got)
        bad = {k: (v, got[k]) for k, v in want.items() if not _same(v, got[k])}
        assert bad == {}, event.event_id


def test_matches_the_reference_with_late_events(ready: SharedState) -> None:
    spec = [(k % 2, k % 3, k % 4, 3 * k + 1, (k * 7919) % 10800, k % 2 == 0) for k in range(80)]
    events = build(spec)
    shared = RedisFeatures(ready, small_catalog(), lateness=LATENESS)
    expected = reference(small_catalog(), events, 3600)
    for event, want in zip(events, expected, strict=True):
        assert diff(want, dict(shared.process(event))) == {}, event.event_id


def test_two_writers_lose_no_update(ready: SharedState) -> None:
    """Two processes paying the same merchant at once: every payment is counted once."""
    catalog = default_catalog()
    writers = [RedisFeatures(ready, catalog), RedisFeatures(other_process(ready), catalog)]
    n = 150

    def run(w: int) -> None:
        for i in range(n):
            writers[w].process(_pay(w * n + i, f"a{w}-{i % 7}", minutes=i * 0.1))

    threads = [threading.Thread(target=run, args=(w,)) for w in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    at = T0 + timedelta(minutes=20)
    merchant = writers[0].online.values("merchant", "m0", at)
    assert merchant["merchant.sales_30d"] == 2 * n
    assert merchant["merchant.sales_amount_30d"] == 2 * n * 10.0
    assert merchant["merchant.buyers_30d"] == 14


def test_a_save_on_stale_state_is_refused(ready: SharedState) -> None:
    online = OnlineFeatures(small_catalog(), RedisFeatureStore(ready), sweep_every=0)
    online.process(_pay(0, "a0"))
    mine, theirs = RedisFeatureStore(ready), RedisFeatureStore(other_process(ready))
    st = mine.load(["account|a0"])[0]
    other = theirs.load(["account|a0"])[0]
    assert st is not None and other is not None
    theirs.save([("account|a0", other)], {})
    with pytest.raises(Conflict, match="changed concurrently"):
        mine.save([("account|a0", st)], {})


def test_writes_are_refused_until_the_namespace_is_ready(shared: SharedState) -> None:
    features = RedisFeatures(shared, default_catalog())
    with pytest.raises(Unavailable, match="state rebuild"):
        features.process(_pay(0, "a0"))
    assert list(features.store.keys()) == []
    shared.mode = Mode.REBUILD
    features.process(_pay(1, "a0"))
    assert "account|a0" in set(features.store.keys())


def test_reset_outside_a_rebuild_marks_the_state_stale(ready: SharedState) -> None:
    features = RedisFeatures(ready, default_catalog())
    features.process(_pay(0, "a0"))
    with pytest.raises(Unavailable, match="marked stale"):
        features.reset()
    assert ready.ready() is None
    with pytest.raises(Unavailable):
        RedisFeatures(other_process(ready), default_catalog()).process(_pay(1, "a1"))


def test_windowed_entities_expire_and_lifetime_ones_do_not(ready: SharedState) -> None:
    features = RedisFeatures(ready, default_catalog(), lateness=timedelta(hours=24))
    ttls = ttl_by_kind(features.online, timedelta(hours=24))
    assert ttls["account"] == 0 and ttls["person"] == 0 and ttls["merchant"] == 0
    assert 31 * 86400 < ttls["device"] <= 32 * 86400  # 30 d window + 1 d lateness + a bucket
    features.process(
        t.Login(event_id="l1", occurred_at=T0, account_id="a1", device_id="d1", ip="10.0.0.1")
    )
    client = ready.client
    assert client.ttl(ready.key("f", "s", "account|a1")) == -1
    device_ttl = client.ttl(ready.key("f", "s", "device|d1"))
    assert 30 * 86400 < device_ttl <= ttls["device"]


def test_processes_share_the_watermark(ready: SharedState) -> None:
    first = RedisFeatures(ready, small_catalog(), lateness=LATENESS)
    second = RedisFeatures(other_process(ready), small_catalog(), lateness=LATENESS)
    first.process(_pay(0, "a0", minutes=0))
    first.process(_pay(1, "a1", minutes=300))
    second.process(_pay(2, "a2", minutes=1))  # too late for the shared watermark (05:00)
    assert second.online.watermark == first.online.watermark
    third = RedisFeatures(other_process(ready), small_catalog(), lateness=LATENESS)
    assert third.online.watermark == first.online.watermark  # a new process starts from it


def test_restart_resumes_from_shared_state(ready: SharedState) -> None:
    events = generate_history(300, seed=3, n_accounts=30)
    straight = OnlineFeatures(default_catalog())
    want = [dict(straight.process(e)) for e in events]
    first = RedisFeatures(ready, default_catalog())
    for e in events[:150]:
        first.process(e)
    second = RedisFeatures(other_process(ready), default_catalog())
    for e, w in zip(events[150:], want[150:], strict=True):
        assert diff(w, dict(second.process(e))) == {}, e.event_id


_WRITER = """
import sys
from datetime import timedelta
from decimal import Decimal
import redis
from riskline.events import types as t
from riskline.features import default_catalog
from riskline.state import RedisFeatures, SharedState
from tests.features.small import T0

url, namespace, w, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
client = redis.Redis.from_url(url)
features = RedisFeatures(SharedState(client, namespace, url), default_catalog())
for i in range(n):
    features.process(t.Payment(
        event_id=f"p{w}-{i}", occurred_at=T0 + timedelta(seconds=i), account_id=f"a{w}-{i % 5}",
        merchant_id="m0", amount=Decimal("2.50"), device_id="d0"))
client.close()
"""


def test_separate_processes_lose_no_update(ready: SharedState) -> None:
    """Three OS processes write the same merchant and device at once."""
    import subprocess
    import sys

    n, procs = 80, 3
    argv = [sys.executable, "-c", _WRITER, REDIS_URL, ready.namespace]
    root = Path(__file__).resolve().parents[2]  # the writers import tests.features.small
    running = [subprocess.Popen([*argv, str(w), str(n)], cwd=root) for w in range(procs)]
    assert [p.wait(timeout=300) for p in running] == [0] * procs
    online = RedisFeatures(ready, default_catalog()).online
    merchant = online.values("merchant", "m0", T0 + timedelta(minutes=5))
    assert merchant["merchant.sales_30d"] == n * procs
    assert merchant["merchant.sales_amount_30d"] == n * procs * 2.5
    device = online.values("device", "d0", T0 + timedelta(minutes=5))
    assert device["device.accounts_30d"] == 5 * procs
